package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/provider/generic"
)

// server is a `slawatch serve` running in the test.
type server struct {
	addr      string
	out, logs *syncBuffer
	stop      func() error // cancels and waits for serve to return
}

// startServer runs serve with args (plus a loopback address) and waits for
// it to report its address.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{out: &syncBuffer{}, logs: &syncBuffer{}}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), s.out, s.logs)
	}()
	stopped := false
	s.stop = func() error {
		cancel()
		if stopped {
			return nil
		}
		stopped = true
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop after cancel")
			return nil
		}
	}
	t.Cleanup(func() { _ = s.stop() })
	addrRE := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(10 * time.Second); s.addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(s.logs.String()); m != nil {
			s.addr = m[1]
		}
	}
	if s.addr == "" {
		t.Fatalf("server did not report its address; logs:\n%s", s.logs.String())
	}
	return s
}

// post sends a generic-format body signed with secret and returns the
// status.
func (s *server) post(t *testing.T, secret, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/webhooks/generic", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(generic.SignatureHeader, generic.Sign([]byte(secret), []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
