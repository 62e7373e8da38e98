package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/provider/generic"
	"github.com/slawatch/slawatch/shared/store"
)

// TestWriteResult: the hand-written answer to an applied webhook is
// byte for byte what writeJSON makes of the same result, late events and
// large counts included, with the same status and content type.
func TestWriteResult(t *testing.T) {
	for _, res := range []intake.Result{
		{},
		{Applied: 1},
		{Duplicates: 1},
		{Applied: 3, Duplicates: 2, Late: 1},
		{Applied: 1 << 40, Duplicates: -1, Late: 12345},
		{Applied: 1, Refused: []intake.Refusal{{Event: 1, Field: "ticket_id", Reason: "empty"}}},
	} {
		want := httptest.NewRecorder()
		writeJSON(want, 200, res)
		got := httptest.NewRecorder()
		writeResult(got, res)
		if got.Body.String() != want.Body.String() {
			t.Errorf("%+v: body %q, want %q", res, got.Body, want.Body)
		}
		if got.Code != 200 || got.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%+v: status %d, content type %q", res, got.Code, got.Header().Get("Content-Type"))
		}
		var back intake.Result
		if err := json.Unmarshal(got.Body.Bytes(), &back); err != nil || back.Applied != res.Applied || back.Late != res.Late {
			t.Errorf("%+v: reads back as %+v, %v", res, back, err)
		}
	}
}

// TestWebhookLogLines: an applied webhook's line and a refused one's both
// carry the source, first among their attributes, as the logger made with
// With("source", …) wrote them.
func TestWebhookLogLines(t *testing.T) {
	var logs bytes.Buffer
	const secret = "s3cret"
	api := New(policy.Default(), store.NewMemory(), func(string) (string, bool) { return secret, true },
		slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})))
	h := api.Handler()
	body := []byte(`{"source":"generic","ticket_id":"T-1","event_id":"e-1","kind":"ticket_created","occurred_at":"` +
		time.Now().UTC().Add(-time.Minute).Format(time.RFC3339) + `","channel":"chat","priority":"high","author":"customer"}`)
	for _, sig := range []string{generic.Sign([]byte(secret), body), "sha256=00"} {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/generic", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(generic.SignatureHeader, sig)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	want := []string{
		`level=INFO msg="webhook applied" source=generic events=1 applied=1 duplicates=0 late=0 refused=0`,
		`level=WARN msg="webhook refused" source=generic status=401 reason=`,
	}
	if len(lines) != len(want) {
		t.Fatalf("log lines:\n%s\nwant %d", logs.String(), len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d:\n%s\nwant it to start with\n%s", i, lines[i], w)
		}
	}
}

// TestReadAll: a body is read whole whatever length was announced (none,
// exact, short, long, past the limit), a byte at a time or at once.
func TestReadAll(t *testing.T) {
	body := strings.Repeat("0123456789", 300) // 3000 bytes: beyond the 512 of an unannounced start
	for _, announced := range []int64{-1, 0, 1, 2999, 3000, 3001, 1 << 20} {
		for name, r := range map[string]func() io.Reader{
			"whole":    func() io.Reader { return strings.NewReader(body) },
			"one byte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(body)) },
		} {
			got, err := readAll(r(), announced, 2000)
			if err != nil || string(got) != body {
				t.Errorf("announced %d, %s: %d bytes, %v; want all %d", announced, name, len(got), err, len(body))
			}
		}
	}
	boom := errors.New("boom")
	if _, err := readAll(iotest.ErrReader(boom), 10, 100); !errors.Is(err, boom) {
		t.Errorf("a failing reader: %v, want boom", err)
	}
}
