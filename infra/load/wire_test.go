package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWire: a post reaches a net/http server as the request it means —
// method, path, headers, body — on one kept-alive connection; an answer
// is cut at 4 KB without losing the connection; a server that closes the
// connection, saying so or not, costs one failed post at most, and the
// next dials again.
func TestWire(t *testing.T) {
	type seen struct {
		method, path, host, sig, ct, body, remote string
		length                                    int64
	}
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.Host, r.Header.Get("X-Signature"), r.Header.Get("Content-Type"), string(b), r.RemoteAddr, r.ContentLength})
		mu.Unlock()
		switch string(b) {
		case "big":
			_, _ = io.WriteString(w, strings.Repeat("x", 10000))
		case "close":
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusServiceUnavailable)
		case "hijack": // the connection dies without an answer
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
		default:
			w.WriteHeader(http.StatusAccepted)
			_, _ = io.WriteString(w, `{"applied":1}`)
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	w := newWire(addr, 5*time.Second)
	defer w.close()
	ctx := context.Background()
	h := http.Header{"Content-Type": {"application/json"}, "X-Signature": {"sha256=abc"}}

	post := func(body string) (int, string, error) {
		t.Helper()
		status, answer, err := w.post(ctx, "/webhooks/zendesk", h, []byte(body))
		return status, string(answer), err
	}
	if status, answer, err := post(`{"a":1}`); err != nil || status != http.StatusAccepted || answer != `{"applied":1}` {
		t.Fatalf("first post: %d %q %v", status, answer, err)
	}
	if status, answer, err := post("big"); err != nil || status != 200 || len(answer) != 4096 {
		t.Fatalf("big answer: %d, %d bytes, %v; want 200 and 4096 bytes", status, len(answer), err)
	}
	if status, _, err := post("close"); err != nil || status != http.StatusServiceUnavailable {
		t.Fatalf("closing answer: %d %v", status, err)
	}
	if _, _, err := post(`{"b":2}`); err != nil {
		t.Fatalf("after the server closed: %v", err)
	}
	if _, _, err := post("hijack"); err == nil {
		t.Fatal("a connection closed without an answer: no error")
	}
	if status, _, err := post(`{"c":3}`); err != nil || status != http.StatusAccepted {
		t.Fatalf("after a dead connection: %d %v", status, err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(got) != 6 {
		t.Fatalf("server saw %d requests, want 6", len(got))
	}
	for i, s := range got {
		if s.method != http.MethodPost || s.path != "/webhooks/zendesk" || s.host != addr || s.sig != "sha256=abc" ||
			s.ct != "application/json" || s.length != int64(len(s.body)) {
			t.Errorf("request %d: %+v", i, s)
		}
	}
	if got[0].body != `{"a":1}` || got[3].body != `{"b":2}` || got[5].body != `{"c":3}` {
		t.Errorf("bodies: %q, %q, %q", got[0].body, got[3].body, got[5].body)
	}
	// Kept alive through the truncated answer; a new connection after each close.
	if got[0].remote != got[1].remote || got[1].remote != got[2].remote {
		t.Errorf("the first three requests came on %s, %s, %s: want one connection", got[0].remote, got[1].remote, got[2].remote)
	}
	if got[3].remote == got[2].remote || got[5].remote == got[4].remote {
		t.Errorf("no new connection after the server closed one: %s, %s, %s, %s", got[2].remote, got[3].remote, got[4].remote, got[5].remote)
	}
}
