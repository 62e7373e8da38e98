package httpapi_test

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/store"
)

// scripted is an adapter whose Parse result the test chooses, to check how
// the HTTP layer maps each kind of result.
type scripted struct {
	res      provider.Result
	err      error
	settings *provider.Settings
}

func (a *scripted) Verify(provider.Request, provider.Settings) error { return nil }

func (a *scripted) Parse(_ provider.Request, s provider.Settings) (provider.Result, error) {
	*a.settings = s
	return a.res, a.err
}

func TestResultMapping(t *testing.T) {
	tests := []struct {
		name     string
		res      provider.Result
		err      error
		status   int
		ct, body string
	}{
		{"challenge reply", provider.Result{Reply: &provider.Reply{Status: 200, ContentType: "text/plain", Body: []byte("abc123")}}, nil, 200, "text/plain", "abc123"},
		{"ignored", provider.Ignore("ticket.merged is not tracked"), nil, 202, "application/json", `"ignored":"ticket.merged is not tracked"`},
		{"no events", provider.Result{}, nil, 202, "application/json", `"ignored":"no events in the request"`},
		{"parse error", provider.Result{}, provider.Errorf("detail.priority", "unknown priority %q", "P9"), 400, "application/json", `"field":"detail.priority"`},
		{"other error", provider.Result{}, errors.New("boom"), 400, "application/json", `"error":"boom"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got provider.Settings
			cfg := &policy.Config{Sources: map[string]policy.Source{
				"desk": {Name: "desk", Provider: "scripted", SecretEnv: "DESK_SECRET", Window: 7 * time.Minute, AckAuthor: "42"},
			}}
			api := httpapi.New(cfg, store.NewMemory(), func(string) (string, bool) { return "k", true }, slog.New(slog.NewTextHandler(io.Discard, nil)))
			api.Adapters = map[string]provider.Adapter{"scripted": &scripted{res: tt.res, err: tt.err, settings: &got}}
			srv := httptest.NewServer(api.Handler())
			defer srv.Close()
			resp, err := http.Post(srv.URL+"/webhooks/desk", "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.ct || !strings.Contains(string(b), tt.body) {
				t.Errorf("got %d %q %s, want %d %q containing %s", resp.StatusCode, resp.Header.Get("Content-Type"), b, tt.status, tt.ct, tt.body)
			}
			if got.Source != "desk" || string(got.Secret) != "k" || got.Window != 7*time.Minute || got.AckAuthor != "42" || got.Now == nil {
				t.Errorf("adapter got settings %+v", got)
			}
		})
	}
}

func TestConfiguredURLIsWhatAdaptersSee(t *testing.T) {
	var seen string
	cfg := &policy.Config{Sources: map[string]policy.Source{
		"plain": {Name: "plain", Provider: "url", SecretEnv: "S"},
		"proxy": {Name: "proxy", Provider: "url", SecretEnv: "S", URL: "https://slawatch.example.com/prod/webhooks/proxy"},
	}}
	api := httpapi.New(cfg, store.NewMemory(), func(string) (string, bool) { return "k", true }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Adapters = map[string]provider.Adapter{"url": urlAdapter{&seen}}
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	for path, want := range map[string]string{
		"/webhooks/plain?x=1": srv.URL + "/webhooks/plain?x=1",
		"/webhooks/proxy?x=1": "https://slawatch.example.com/prod/webhooks/proxy?x=1",
	} {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if seen != want {
			t.Errorf("%s: adapter saw URL %q, want %q", path, seen, want)
		}
	}
}

type urlAdapter struct{ seen *string }

func (a urlAdapter) Verify(r provider.Request, _ provider.Settings) error {
	*a.seen = r.URL
	return nil
}

func (urlAdapter) Parse(provider.Request, provider.Settings) (provider.Result, error) {
	return provider.Ignore("test"), nil
}
