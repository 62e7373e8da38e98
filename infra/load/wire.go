package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// wire is one worker's keep-alive HTTP/1.1 connection to slawatch. The
// workers post with it rather than with net/http's Client: the generator
// shares the cores with the server it measures, and the Client's two
// goroutines per connection, the hand-offs between them and its request
// bookkeeping cost the generator about as much CPU per webhook as writing
// and reading the bytes. The server sees the same requests (TestWire).
type wire struct {
	addr    string // host:port
	timeout time.Duration
	conn    net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer
}

func newWire(addr string, timeout time.Duration) *wire {
	return &wire{addr: addr, timeout: timeout}
}

// post sends body to path with the headers h (Content-Length and Host are
// set here) and returns the status and up to 4 KB of the answer. Any error
// closes the connection; the next post dials again.
func (w *wire) post(ctx context.Context, path string, h http.Header, body []byte) (status int, answer []byte, err error) {
	status, answer, err = w.roundTrip(ctx, path, h, body)
	if err != nil {
		w.close()
	}
	return status, answer, err
}

func (w *wire) roundTrip(ctx context.Context, path string, h http.Header, body []byte) (int, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if w.conn == nil {
		d := net.Dialer{Timeout: w.timeout}
		c, err := d.DialContext(ctx, "tcp", w.addr)
		if err != nil {
			return 0, nil, err
		}
		w.conn, w.br, w.bw = c, bufio.NewReaderSize(c, 8<<10), bufio.NewWriterSize(c, 16<<10)
	}
	if err := w.conn.SetDeadline(time.Now().Add(w.timeout)); err != nil {
		return 0, nil, err
	}
	w.bw.WriteString("POST ")
	w.bw.WriteString(path)
	w.bw.WriteString(" HTTP/1.1\r\nHost: ")
	w.bw.WriteString(w.addr)
	w.bw.WriteString("\r\nContent-Length: ")
	w.bw.WriteString(strconv.Itoa(len(body)))
	w.bw.WriteString("\r\n")
	if err := h.Write(w.bw); err != nil { // "Key: value\r\n" each, values sanitised as net/http does
		return 0, nil, err
	}
	w.bw.WriteString("\r\n")
	w.bw.Write(body)
	if err := w.bw.Flush(); err != nil {
		return 0, nil, err
	}
	resp, err := http.ReadResponse(w.br, nil)
	if err != nil {
		return 0, nil, err
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body) // the rest, to reuse the connection
	}
	resp.Body.Close()
	if err != nil {
		return 0, nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.Close {
		w.close()
	}
	return resp.StatusCode, answer, nil
}

func (w *wire) close() {
	if w.conn != nil {
		_ = w.conn.Close()
		w.conn, w.br, w.bw = nil, nil, nil
	}
}
