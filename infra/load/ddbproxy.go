package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// ddbProxy sits between slawatch and DynamoDB Local and counts the
// requests by operation, and the writes refused for a lost race
// (ConditionalCheckFailed, TransactionCanceled): what a webhook costs in
// DynamoDB requests, and how much optimistic concurrency retries.
type ddbProxy struct {
	srv *http.Server
	url string

	mu        sync.Mutex
	ops       map[string]int
	conflicts map[string]int
}

func startDDBProxy(target string) (*ddbProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("DynamoDB endpoint %q: %w", target, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &ddbProxy{url: "http://" + ln.Addr().String(), ops: map[string]int{}, conflicts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		op := operation(resp.Request)
		p.mu.Lock()
		p.ops[op]++
		p.mu.Unlock()
		if resp.StatusCode != http.StatusBadRequest {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return err
		}
		if bytes.Contains(body, []byte("ConditionalCheckFailed")) || bytes.Contains(body, []byte("TransactionCanceled")) ||
			bytes.Contains(body, []byte("TransactionConflict")) {
			p.mu.Lock()
			p.conflicts[op]++
			p.mu.Unlock()
		}
		return nil
	}
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256}
	// A request slawatch gives up on (at shutdown) is not news.
	rp.ErrorLog = log.New(io.Discard, "", 0)
	p.srv = &http.Server{Handler: rp}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func operation(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	if _, op, ok := strings.Cut(t, "."); ok {
		return op
	}
	return "other"
}

func (p *ddbProxy) close() { _ = p.srv.Close() }

// counts returns the requests and conflicts so far, by operation.
func (p *ddbProxy) counts() (ops, conflicts map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ops, conflicts = map[string]int{}, map[string]int{}
	for k, v := range p.ops {
		ops[k] = v
	}
	for k, v := range p.conflicts {
		conflicts[k] = v
	}
	return ops, conflicts
}

// summary is "GetItem 123, TransactWriteItems 45 (3 lost races), …",
// the most frequent first.
func summary(ops, conflicts map[string]int) string {
	var names []string
	for k := range ops {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int { return ops[b] - ops[a] })
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, ops[n])
		if c := conflicts[n]; c > 0 {
			parts[i] += fmt.Sprintf(" (%d lost races)", c)
		}
	}
	return strings.Join(parts, ", ")
}
