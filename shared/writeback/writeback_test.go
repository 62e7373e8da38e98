package writeback_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/writeback"
)

// ackText is an acknowledgement as shared/ack renders it: plain text with
// a paragraph break, and no marker.
const ackText = "Hi Ana,\n\nthanks for writing in. Our team will answer by Tuesday 11:00 (your time)."

// ackHTML is ackText as both helpdesks get it: HTML, the marker hidden in
// a comment on its own line.
const ackHTML = "Hi Ana,<br><br>thanks for writing in. Our team will answer by Tuesday 11:00 (your time).\n<!-- slawatch:ack -->"

// answer is a fake helpdesk's response.
type answer struct {
	status int
	header map[string]string
	body   string
}

// fakeAPI is one helpdesk API endpoint as the vendor runs it. It checks a
// request the way the vendor does — method and exact path, HTTP Basic
// credentials, JSON content type, a body that decodes strictly into the
// vendor's request type T (unknown fields and trailing data refused) — and
// refuses it with the vendor's status and error body. An accepted request
// is recorded and answered with reply, or with ok when reply is unset.
type fakeAPI[T any] struct {
	method, path string
	user, pass   string
	ok           answer // the vendor's success response
	unauthorized answer
	notFound     answer
	badRequest   answer

	reply answer // when status is set: the answer to an accepted request
	echo  bool   // reply's body is a format for the Authorization header, user and password

	requests atomic.Int32
	mu       sync.Mutex
	got      *T     // the last accepted request's body
	agent    string // its User-Agent
	accept   string // its Accept
}

func (f *fakeAPI[T]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if r.Method != f.method || r.URL.Path != f.path || r.URL.RawQuery != "" {
		write(w, f.notFound)
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != f.user || pass != f.pass {
		write(w, f.unauthorized)
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		write(w, answer{status: http.StatusUnsupportedMediaType, body: `{"error":"unsupported content type"}`})
		return
	}
	var req T
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.Decode(&struct{}{}) != io.EOF {
		write(w, f.badRequest)
		return
	}
	f.mu.Lock()
	f.got, f.agent, f.accept = &req, r.Header.Get("User-Agent"), r.Header.Get("Accept")
	f.mu.Unlock()
	switch {
	case f.reply.status == 0:
		write(w, f.ok)
	case f.echo:
		a := f.reply
		user, pass, _ := r.BasicAuth()
		a.body = fmt.Sprintf(a.body, r.Header.Get("Authorization"), user, pass)
		write(w, a)
	default:
		write(w, f.reply)
	}
}

func (f *fakeAPI[T]) last(t *testing.T) (*T, string, string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.got == nil {
		t.Fatal("the fake helpdesk accepted no request")
	}
	return f.got, f.agent, f.accept
}

func write(w http.ResponseWriter, a answer) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

// serve starts h and returns its base URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// env is a getenv over a fixed environment.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestNewWriteBackOff(t *testing.T) {
	for _, provider := range []string{"zendesk", "freshdesk", "github", "generic"} {
		called := false
		getenv := func(string) string { called = true; return "" }
		r, err := writeback.New(policy.Source{Name: provider, Provider: provider, AckAuthor: "12", APITokenEnv: "TOKEN"}, http.DefaultClient, getenv)
		if r != nil || err != nil {
			t.Errorf("%s without api_url: New = %v, %v; want nil, nil", provider, r, err)
		}
		if called {
			t.Errorf("%s without api_url: New read the environment", provider)
		}
	}
	// Write-back off needs no client and no environment.
	if r, err := writeback.New(policy.Source{Name: "zendesk", Provider: "zendesk"}, nil, nil); r != nil || err != nil {
		t.Errorf("New without api_url, client or getenv = %v, %v; want nil, nil", r, err)
	}
}

func TestNewErrors(t *testing.T) {
	const token = "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv"
	zendesk := policy.Source{Name: "zendesk", Provider: "zendesk", APIURL: "https://acme.zendesk.com", APITokenEnv: "SLAWATCH_ZENDESK_API_TOKEN", AckAuthor: "1900000001"}
	good := env(map[string]string{"SLAWATCH_ZENDESK_API_TOKEN": "agent@example.com/token:" + token, "FD_KEY": "Fq7HdKeY3xLmP0aB9cZt"})
	with := func(f func(*policy.Source)) policy.Source { s := zendesk; f(&s); return s }
	for _, tc := range []struct {
		name   string
		src    policy.Source
		client *http.Client
		getenv func(string) string
		want   string
	}{
		{"github has no write-back", policy.Source{Name: "gh", Provider: "github", APIURL: "https://api.github.com", APITokenEnv: "GH_TOKEN"}, http.DefaultClient, good,
			`writeback: source gh: provider "github" has no acknowledgement write-back (only zendesk and freshdesk): remove api_url`},
		{"generic has no write-back", policy.Source{Name: "scripts", Provider: "generic", APIURL: "https://example.com", APITokenEnv: "T"}, http.DefaultClient, good,
			`writeback: source scripts: provider "generic" has no acknowledgement write-back`},
		{"empty credential", zendesk, http.DefaultClient, env(nil),
			"writeback: source zendesk: environment variable SLAWATCH_ZENDESK_API_TOKEN (api_token_env) is empty: it must hold the zendesk API credential"},
		{"blank credential", with(func(s *policy.Source) { s.Provider, s.APITokenEnv = "freshdesk", "FD_KEY" }), http.DefaultClient, env(map[string]string{"FD_KEY": " \n"}),
			"environment variable FD_KEY (api_token_env) is empty"},
		{"zendesk token without email", zendesk, http.DefaultClient, env(map[string]string{"SLAWATCH_ZENDESK_API_TOKEN": token}),
			"environment variable SLAWATCH_ZENDESK_API_TOKEN must hold {email}/token:{api_token}"},
		{"zendesk credential with empty token", zendesk, http.DefaultClient, env(map[string]string{"SLAWATCH_ZENDESK_API_TOKEN": "agent@example.com/token:"}),
			"must hold {email}/token:{api_token}"},
		{"no api_token_env", with(func(s *policy.Source) { s.APITokenEnv = "" }), http.DefaultClient, good,
			"writeback: source zendesk: api_url is set but api_token_env is not"},
		{"no ack_author", with(func(s *policy.Source) { s.AckAuthor = "" }), http.DefaultClient, good,
			"writeback: source zendesk: api_url is set but ack_author is not"},
		{"ack_author not a number", with(func(s *policy.Source) { s.AckAuthor = "slawatch-bot" }), http.DefaultClient, good,
			`writeback: source zendesk: ack_author "slawatch-bot" is not a numeric zendesk user id`},
		{"ack_author not positive", with(func(s *policy.Source) { s.AckAuthor = "-7" }), http.DefaultClient, good,
			`ack_author "-7" is not a numeric zendesk user id`},
		{"api_url over http", with(func(s *policy.Source) { s.APIURL = "http://acme.zendesk.com" }), http.DefaultClient, good,
			"writeback: source zendesk: api_url: want https (http only for loopback hosts)"},
		{"api_url with a password", with(func(s *policy.Source) { s.APIURL = "https://agent:" + token + "@acme.zendesk.com" }), http.DefaultClient, good,
			"writeback: source zendesk: api_url: must not contain a user or password"},
		{"api_url relative", with(func(s *policy.Source) { s.APIURL = "acme.zendesk.com" }), http.DefaultClient, good,
			"api_url: not an absolute URL"},
		{"nil client", zendesk, nil, good, "writeback: source zendesk: nil http client or getenv"},
		{"nil getenv", zendesk, http.DefaultClient, nil, "nil http client or getenv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := writeback.New(tc.src, tc.client, tc.getenv)
			if err == nil || r != nil {
				t.Fatalf("New = %v, %v; want nil and an error", r, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New error = %q, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("New error %q contains the API token", err)
			}
		})
	}
}

func TestNewRepliers(t *testing.T) {
	getenv := env(map[string]string{"Z": "agent@example.com/token:abc123", "F": "Fq7HdKeY3xLmP0aB9cZt"})
	for _, src := range []policy.Source{
		{Name: "zendesk", Provider: "zendesk", APIURL: "https://acme.zendesk.com", APITokenEnv: "Z", AckAuthor: "1900000001"},
		{Name: "freshdesk", Provider: "freshdesk", APIURL: "https://acme.freshdesk.com/", APITokenEnv: "F", AckAuthor: "501003979303"},
		{Name: "local", Provider: "freshdesk", APIURL: "http://localhost:8080", APITokenEnv: "F", AckAuthor: "7"},
	} {
		r, err := writeback.New(src, http.DefaultClient, getenv)
		if err != nil || r == nil {
			t.Errorf("New(%s) = %v, %v; want a Replier", src.Name, r, err)
		}
	}
}

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&writeback.StatusError{StatusCode: 400}, false},
		{&writeback.StatusError{StatusCode: 401}, false},
		{&writeback.StatusError{StatusCode: 403}, false},
		{&writeback.StatusError{StatusCode: 404}, false},
		{&writeback.StatusError{StatusCode: 409}, false},
		{&writeback.StatusError{StatusCode: 422}, false},
		{&writeback.StatusError{StatusCode: 429}, true},
		{&writeback.StatusError{StatusCode: 499}, false},
		{&writeback.StatusError{StatusCode: 500}, true},
		{&writeback.StatusError{StatusCode: 502}, true},
		{&writeback.StatusError{StatusCode: 503}, true},
		{&writeback.StatusError{StatusCode: 599}, true},
		{&writeback.StatusError{StatusCode: 600}, false},
		{fmt.Errorf("zendesk: reply to ticket 1: %w", &writeback.StatusError{StatusCode: 503}), true},
		{fmt.Errorf("zendesk: reply to ticket 1: %w", &writeback.StatusError{StatusCode: 404}), false},
		{errors.New("HTTP 503"), false},
		{context.DeadlineExceeded, false},
		{nil, false},
	} {
		if got := writeback.Retryable(tc.err); got != tc.want {
			t.Errorf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// badIDs are ticket ids no Zendesk or Freshdesk ticket has; some would
// change the request path if they were sent.
var badIDs = []string{"", "abc", "12a", "../4711", "4711/reply", "4711.json", "47 11", "-4711", "4711?x=1", "１２", strings.Repeat("9", 21)}

// checkStatusError checks an error from a vendor's non-2xx answer.
func checkStatusError(t *testing.T, err error, want string, retryable bool, status int) {
	t.Helper()
	if err == nil {
		t.Fatal("Reply succeeded")
	}
	if err.Error() != want {
		t.Errorf("error\n got %q\nwant %q", err, want)
	}
	if got := writeback.Retryable(err); got != retryable {
		t.Errorf("Retryable = %v, want %v", got, retryable)
	}
	var se *writeback.StatusError
	if !errors.As(err, &se) || se.StatusCode != status {
		t.Errorf("error %v does not wrap a StatusError with %d", err, status)
	}
}
