package runtimeapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests play the runtime with a plain http.Client against the server.

const testARN = "arn:aws:lambda:us-east-1:123456789012:function:slawatch-test"

type fakeRuntime struct {
	t    *testing.T
	srv  *server
	root string // the server's URL
	base string // root + the runtime API prefix
	init []*FunctionError
}

func newFakeRuntime(t *testing.T) *fakeRuntime {
	t.Helper()
	rt := &fakeRuntime{t: t}
	rt.srv = newServer(testARN, 3*time.Second, func(_ int, fe *FunctionError) { rt.init = append(rt.init, fe) })
	ts := httptest.NewServer(rt.srv.handler())
	t.Cleanup(ts.Close)
	rt.root = ts.URL
	rt.base = ts.URL + "/2018-06-01/runtime/"
	return rt
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (rt *fakeRuntime) do(req *http.Request) reply {
	rt.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		rt.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		rt.t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, body}
}

func (rt *fakeRuntime) request(method, path, body string, header map[string]string) reply {
	rt.t.Helper()
	url := rt.base + path
	if strings.HasPrefix(path, "/") {
		url = rt.root + path
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		rt.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return rt.do(req)
}

// next queues an invocation and fetches it as the runtime would.
func (rt *fakeRuntime) next(payload string) (*invocation, reply) {
	rt.t.Helper()
	inv := newInvocation([]byte(payload))
	rt.srv.enqueue(inv)
	r := rt.request(http.MethodGet, "invocation/next", "", nil)
	select {
	case <-inv.dispatched:
	default:
		rt.t.Fatal("invocation not marked dispatched after GET next")
	}
	return inv, r
}

func wantStatus(t *testing.T, r reply, status int, errorType string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var doc map[string]string
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	if errorType == "" {
		if doc["status"] != "OK" {
			t.Errorf("body = %s, want {\"status\":\"OK\"}", r.body)
		}
		return
	}
	if doc["errorType"] != errorType || doc["errorMessage"] == "" {
		t.Errorf("body = %s, want errorType %q and an errorMessage", r.body, errorType)
	}
}

func TestServerNextAndResponse(t *testing.T) {
	rt := newFakeRuntime(t)
	before := time.Now()
	inv, r := rt.next(`{"hello":"world"}`)

	if r.status != http.StatusOK || string(r.body) != `{"hello":"world"}` {
		t.Fatalf("GET next = %d %s, want 200 and the payload", r.status, r.body)
	}
	if got := r.header.Get("Lambda-Runtime-Aws-Request-Id"); got != inv.id || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(got) {
		t.Errorf("request id header = %q, want the invocation's UUID %q", got, inv.id)
	}
	ms, err := strconv.ParseInt(r.header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if err != nil {
		t.Fatalf("deadline header: %v", err)
	}
	if d := time.UnixMilli(ms); d.Before(before.Add(3*time.Second-time.Millisecond)) || d.After(time.Now().Add(3*time.Second)) {
		t.Errorf("deadline = %v, want about now + 3s", d)
	}
	if got := r.header.Get("Lambda-Runtime-Invoked-Function-Arn"); got != testARN {
		t.Errorf("function ARN = %q, want %q", got, testARN)
	}
	if got := r.header.Get("Lambda-Runtime-Trace-Id"); !regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$`).MatchString(got) {
		t.Errorf("trace id = %q, not an X-Ray header", got)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}

	r = rt.request(http.MethodPost, "invocation/"+inv.id+"/response", `"SUCCESS"`, nil)
	wantStatus(t, r, http.StatusAccepted, "")
	select {
	case <-inv.done:
	default:
		t.Fatal("invocation not done after its response")
	}
	if string(inv.response) != `"SUCCESS"` || inv.err != nil {
		t.Errorf("recorded response %q, error %v; want \"SUCCESS\", nil", inv.response, inv.err)
	}
	if err := rt.srv.protocolErrors(); err != nil {
		t.Errorf("protocol errors after a clean exchange: %v", err)
	}
}

func TestServerBadRequestIDs(t *testing.T) {
	rt := newFakeRuntime(t)
	inv, _ := rt.next(`{}`)

	r := rt.request(http.MethodPost, "invocation/not-a-request/response", `{}`, nil)
	wantStatus(t, r, http.StatusBadRequest, "InvalidRequestID")
	r = rt.request(http.MethodPost, "invocation/not-a-request/error", `{}`, nil)
	wantStatus(t, r, http.StatusBadRequest, "InvalidRequestID")
	select {
	case <-inv.done:
		t.Fatal("a response for another id finished the invocation")
	default:
	}

	wantStatus(t, rt.request(http.MethodPost, "invocation/"+inv.id+"/response", `{}`, nil), http.StatusAccepted, "")
	r = rt.request(http.MethodPost, "invocation/"+inv.id+"/response", `{}`, nil)
	wantStatus(t, r, http.StatusBadRequest, "InvalidRequestID")

	err := rt.srv.protocolErrors()
	if err == nil {
		t.Fatal("no protocol errors recorded")
	}
	for _, want := range []string{`unknown request id "not-a-request"`, "request " + inv.id + " was already answered"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("protocol errors %q do not mention %q", err, want)
		}
	}
}

func TestServerInvocationError(t *testing.T) {
	tests := []struct {
		name, header, body string
		want               FunctionError
	}{
		{
			name:   "documented form",
			header: "Unhandled",
			body:   `{"errorMessage":"Error parsing event data.","errorType":"InvalidEventDataException","stackTrace":["a.go:1","b.go:2"]}`,
			want:   FunctionError{Message: "Error parsing event data.", Type: "InvalidEventDataException", StackTrace: []string{"a.go:1", "b.go:2"}},
		},
		{
			name: "aws-lambda-go frames",
			body: `{"errorMessage":"boom","errorType":"string","stackTrace":[{"path":"echo/main.go","line":42,"label":"handle"}]}`,
			want: FunctionError{Message: "boom", Type: "string", StackTrace: []string{"echo/main.go:42 handle"}},
		},
		{
			name:   "type from the header",
			header: "Runtime.UnknownReason",
			body:   `not json`,
			want:   FunctionError{Message: "not json", Type: "Runtime.UnknownReason"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := newFakeRuntime(t)
			inv, _ := rt.next(`{}`)
			r := rt.request(http.MethodPost, "invocation/"+inv.id+"/error", tt.body, map[string]string{"Lambda-Runtime-Function-Error-Type": tt.header})
			wantStatus(t, r, http.StatusAccepted, "")
			<-inv.done
			if inv.err == nil || inv.err.Message != tt.want.Message || inv.err.Type != tt.want.Type || !slices.Equal(inv.err.StackTrace, tt.want.StackTrace) {
				t.Errorf("recorded error %#v, want %#v", inv.err, tt.want)
			}
		})
	}
}

func TestServerStreamedError(t *testing.T) {
	rt := newFakeRuntime(t)
	inv, _ := rt.next(`{}`)
	doc := base64.StdEncoding.EncodeToString([]byte(`{"errorMessage":"reader failed","errorType":"readError"}`))
	req, err := http.NewRequest(http.MethodPost, rt.base+"invocation/"+inv.id+"/response", io.NopCloser(strings.NewReader(`{"partial":`)))
	if err != nil {
		t.Fatal(err)
	}
	req.Trailer = http.Header{"Lambda-Runtime-Function-Error-Type": {"readError"}, "Lambda-Runtime-Function-Error-Body": {doc}}
	wantStatus(t, rt.do(req), http.StatusAccepted, "")
	<-inv.done
	if inv.err == nil || inv.err.Type != "readError" || inv.err.Message != "reader failed" {
		t.Errorf("recorded error %#v, want readError: reader failed", inv.err)
	}
}

func TestServerResponseTooLarge(t *testing.T) {
	rt := newFakeRuntime(t)
	inv, _ := rt.next(`{}`)
	r := rt.request(http.MethodPost, "invocation/"+inv.id+"/response", strings.Repeat("x", maxPayload+1), nil)
	wantStatus(t, r, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge")
	<-inv.done
	if inv.err == nil || inv.err.Type != "Function.ResponseSizeTooLarge" || inv.response != nil {
		t.Errorf("recorded error %#v, response of %d bytes; want Function.ResponseSizeTooLarge and none", inv.err, len(inv.response))
	}
}

func TestServerInitError(t *testing.T) {
	rt := newFakeRuntime(t)
	r := rt.request(http.MethodPost, "init/error", `{"errorMessage":"Failed to load function.","errorType":"InvalidFunctionException"}`,
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.ConfigInvalid"})
	wantStatus(t, r, http.StatusAccepted, "")
	if len(rt.init) != 1 || rt.init[0].Type != "InvalidFunctionException" || rt.init[0].Message != "Failed to load function." {
		t.Errorf("init errors reported = %v, want the one posted", rt.init)
	}
	if err := rt.srv.protocolErrors(); err != nil {
		t.Errorf("an init error is not a protocol error, got %v", err)
	}
}

func TestServerUnknownPaths(t *testing.T) {
	rt := newFakeRuntime(t)
	for _, c := range []struct{ method, path string }{
		{http.MethodGet, "invocation/nope"},
		{http.MethodPost, "invocation/next"},
		{http.MethodGet, "invocation/some-id/response"},
		{http.MethodPost, "/2020-01-01/extension/register"},
	} {
		r := rt.request(c.method, c.path, `{}`, nil)
		wantStatus(t, r, http.StatusNotFound, "InvalidPath")
	}
	if r := rt.request(http.MethodHead, "invocation/next", "", nil); r.status != http.StatusNotFound {
		t.Errorf("HEAD next = %d, want 404", r.status)
	}
	err := rt.srv.protocolErrors()
	if err == nil || strings.Count(err.Error(), "not a Runtime API endpoint") != 5 {
		t.Errorf("protocol errors = %v, want the 5 unknown requests", err)
	}
}

func TestServerNextWhileUnanswered(t *testing.T) {
	rt := newFakeRuntime(t)
	first, _ := rt.next(`{}`)
	second, _ := rt.next(`{}`)
	err := rt.srv.protocolErrors()
	if err == nil || !strings.Contains(err.Error(), "request "+first.id+" is not answered yet") {
		t.Errorf("protocol errors = %v, want the unanswered %s", err, first.id)
	}
	wantStatus(t, rt.request(http.MethodPost, "invocation/"+second.id+"/response", `{}`, nil), http.StatusAccepted, "")
}

func TestServerWithdraw(t *testing.T) {
	rt := newFakeRuntime(t)
	queued := newInvocation([]byte(`{}`))
	rt.srv.enqueue(queued)
	rt.srv.withdraw(queued)
	if len(rt.srv.queue) != 0 {
		t.Fatal("withdrawn invocation still queued")
	}

	inv, _ := rt.next(`{}`)
	rt.srv.withdraw(inv)
	r := rt.request(http.MethodPost, "invocation/"+inv.id+"/response", `{}`, nil)
	wantStatus(t, r, http.StatusBadRequest, "InvalidRequestID")
}

func TestParseFunctionErrorDefaultsType(t *testing.T) {
	fe := parseFunctionError("", []byte(`{"errorMessage":"m"}`))
	if fe.Type != "Unhandled" || fe.Message != "m" || fe.Error() != "Unhandled: m" {
		t.Errorf("got %#v (%q), want Unhandled: m", fe, fe.Error())
	}
	if got := frameString([]byte(`{"odd":true}`)); got != `{"odd":true}` {
		t.Errorf("frameString of an unknown frame = %q, want it verbatim", got)
	}
}

func TestServerStaleGeneration(t *testing.T) {
	srv := newServer(testARN, time.Second, nil)
	listen := func(gen int) string {
		ts := httptest.NewUnstartedServer(srv.handler())
		ts.Config.BaseContext = func(net.Listener) context.Context {
			return context.WithValue(context.Background(), generationKey{}, gen)
		}
		ts.Start()
		t.Cleanup(ts.Close)
		return ts.URL + "/2018-06-01/runtime/invocation/next"
	}
	old := listen(srv.newGeneration())
	current := listen(srv.newGeneration())
	rt := &fakeRuntime{t: t, srv: srv}

	inv := newInvocation([]byte(`{}`))
	srv.enqueue(inv)
	req, _ := http.NewRequest(http.MethodGet, old, nil)
	r := rt.do(req)
	if r.status != http.StatusForbidden || r.header.Get("Lambda-Runtime-Aws-Request-Id") != "" {
		t.Fatalf("GET next from a replaced process = %d with id %q, want 403 and no invocation", r.status, r.header.Get("Lambda-Runtime-Aws-Request-Id"))
	}
	req, _ = http.NewRequest(http.MethodGet, current, nil)
	if r := rt.do(req); r.status != http.StatusOK || r.header.Get("Lambda-Runtime-Aws-Request-Id") != inv.id {
		t.Errorf("GET next from the current process = %d with id %q, want 200 and %s", r.status, r.header.Get("Lambda-Runtime-Aws-Request-Id"), inv.id)
	}
}
