package runtimeapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/functions/internal/runtimeapi"
)

const echoPkg = "./functions/internal/runtimeapi/testdata/echo"

// echoResponse mirrors testdata/echo's response.
type echoResponse struct {
	Message     string          `json:"message"`
	Data        json.RawMessage `json:"data"`
	RequestID   string          `json:"requestId"`
	FunctionARN string          `json:"functionArn"`
	DeadlineMs  int64           `json:"deadlineMs"`
	PID         int             `json:"pid"`
	Env         []string        `json:"env"`
}

// syncBuffer is a bytes.Buffer safe to read while the process writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs the echo function; Close must report no protocol errors.
func start(t *testing.T, o runtimeapi.Options) *runtimeapi.Harness {
	t.Helper()
	o.Binary = runtimeapi.Build(t, echoPkg)
	h, err := runtimeapi.Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

func invoke(t *testing.T, h *runtimeapi.Harness, req map[string]any) runtimeapi.Result {
	t.Helper()
	payload, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	res, err := h.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("Invoke(%s): %v", payload, err)
	}
	return res
}

func echo(t *testing.T, h *runtimeapi.Harness, req map[string]any) (runtimeapi.Result, echoResponse) {
	t.Helper()
	res := invoke(t, h, req)
	if res.Err != nil {
		t.Fatalf("function error: %v", res.Err)
	}
	var resp echoResponse
	if err := json.Unmarshal(res.Payload, &resp); err != nil {
		t.Fatalf("response %q: %v", res.Payload, err)
	}
	return res, resp
}

func TestInvokeRoundTrip(t *testing.T) {
	t.Parallel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	h := start(t, runtimeapi.Options{FunctionName: "echo-fn", Timeout: 7 * time.Second, Stdout: stdout, Stderr: stderr})
	if h.ColdStart() != 0 {
		t.Errorf("ColdStart before any Invoke = %v, want 0", h.ColdStart())
	}

	data := `{"ticket":"T-1","tags":["ß","日本"],"n":1.5}`
	before := time.Now()
	res, resp := echo(t, h, map[string]any{"message": "hello", "data": json.RawMessage(data)})
	after := time.Now()

	if resp.Message != "hello" || !jsonEqual(t, resp.Data, []byte(data)) {
		t.Errorf("echoed %q %s, want hello %s", resp.Message, resp.Data, data)
	}
	if res.RequestID == "" || resp.RequestID != res.RequestID {
		t.Errorf("handler saw request id %q, Result has %q", resp.RequestID, res.RequestID)
	}
	if want := "arn:aws:lambda:us-east-1:123456789012:function:echo-fn"; resp.FunctionARN != want {
		t.Errorf("handler saw ARN %q, want %q", resp.FunctionARN, want)
	}
	deadline := time.UnixMilli(resp.DeadlineMs)
	if deadline.Before(before.Add(7*time.Second-time.Millisecond)) || deadline.After(after.Add(7*time.Second)) {
		t.Errorf("context deadline %v is not Timeout after the invocation (%v..%v)", deadline, before, after)
	}
	if res.Duration <= 0 || res.Duration > after.Sub(before) {
		t.Errorf("Duration = %v, want within the call's %v", res.Duration, after.Sub(before))
	}
	if cs := h.ColdStart(); cs <= 0 || cs > 5*time.Second {
		t.Errorf("ColdStart = %v, want a positive duration", cs)
	}
	t.Logf("cold start %v, first invocation %v", h.ColdStart(), res.Duration)

	if err := h.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// lambdacontext's logger writes JSON with the request id to stdout.
	if !strings.Contains(stdout.String(), `"requestId":"`+res.RequestID+`"`) {
		t.Errorf("stdout has no log line for %s:\n%s", res.RequestID, stdout)
	}
	if stderr.String() != "" {
		t.Errorf("unexpected stderr: %s", stderr)
	}
}

func TestFunctionError(t *testing.T) {
	t.Parallel()
	h := start(t, runtimeapi.Options{})
	_, first := echo(t, h, map[string]any{"message": "warm up"})
	// aws-lambda-go reports the error's type name and Error() text.
	for _, tt := range []struct{ action, wantType, wantMessage string }{
		{"error", "errorString", "the ticket is gone"},
		{"typed-error", "badRequestError", "bad request: the ticket is gone"},
	} {
		res := invoke(t, h, map[string]any{"action": tt.action, "message": "the ticket is gone"})
		if res.Err == nil || res.Payload != nil {
			t.Fatalf("%s: Result = %+v, want an error and no payload", tt.action, res)
		}
		if res.Err.Type != tt.wantType || res.Err.Message != tt.wantMessage {
			t.Errorf("%s: error = %q / %q, want %q / %q", tt.action, res.Err.Type, res.Err.Message, tt.wantType, tt.wantMessage)
		}
		var fe *runtimeapi.FunctionError
		if !errors.As(error(res.Err), &fe) || fe.Error() != tt.wantType+": "+tt.wantMessage {
			t.Errorf("%s: FunctionError.Error() = %q", tt.action, fe)
		}
	}
	// A returned error leaves the execution environment in service.
	if _, after := echo(t, h, map[string]any{}); after.PID != first.PID {
		t.Errorf("process changed after a function error: pid %d → %d", first.PID, after.PID)
	}
}

func TestPanic(t *testing.T) {
	t.Parallel()
	stderr := &syncBuffer{}
	h := start(t, runtimeapi.Options{Stderr: stderr})
	_, before := echo(t, h, map[string]any{})

	res := invoke(t, h, map[string]any{"action": "panic", "message": "echo: panic on request"})
	if res.Err == nil {
		t.Fatalf("panic not reported: %+v", res)
	}
	if res.Err.Type != "string" || res.Err.Message != "echo: panic on request" {
		t.Errorf("panic reported as %q / %q, want string / echo: panic on request", res.Err.Type, res.Err.Message)
	}
	if !slices.ContainsFunc(res.Err.StackTrace, func(f string) bool { return strings.HasPrefix(f, "echo/main.go:") && strings.HasSuffix(f, " handle") }) {
		t.Errorf("stack trace has no echo/main.go handle frame: %q", res.Err.StackTrace)
	}

	// aws-lambda-go exits after reporting a panic; like Lambda, the harness
	// serves the next invocation from a new process.
	_, after := echo(t, h, map[string]any{"message": "again"})
	if after.PID == before.PID || after.Message != "again" {
		t.Errorf("after the panic: pid %d → %d, message %q; want a new process echoing", before.PID, after.PID, after.Message)
	}
	if !strings.Contains(stderr.String(), "calling the handler function resulted in a panic") {
		t.Errorf("stderr does not show aws-lambda-go exiting after the panic:\n%s", stderr)
	}
}

func TestProcessExitMidInvocation(t *testing.T) {
	t.Parallel()
	h := start(t, runtimeapi.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	res, err := h.Invoke(ctx, []byte(`{"action":"exit","message":"echo: exiting on request"}`))
	var exit *runtimeapi.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("Invoke = %+v, %v; want an *ExitError", res, err)
	}
	if ctx.Err() != nil {
		t.Fatal("Invoke waited until its context expired")
	}
	// The message went to stderr; the handler's log line, to stdout.
	for _, want := range []string{"exit status 3", "stderr ends:\necho: exiting on request", `"action":"exit"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if !strings.Contains(exit.Stdout, `"action":"exit"`) || strings.Contains(exit.Stderr, `"action"`) {
		t.Errorf("ExitError.Stdout = %q, Stderr = %q: output not kept apart", exit.Stdout, exit.Stderr)
	}
	if res.RequestID == "" || res.Payload != nil || res.Err != nil {
		t.Errorf("Result = %+v, want only the request id", res)
	}
	if _, resp := echo(t, h, map[string]any{"message": "back"}); resp.Message != "back" {
		t.Errorf("after the exit: %+v", resp)
	}
}

func TestSequentialInvocations(t *testing.T) {
	t.Parallel()
	h := start(t, runtimeapi.Options{})
	ids := make(map[string]bool)
	pids := make(map[int]bool)
	for i := range 20 {
		res, resp := echo(t, h, map[string]any{"message": string(rune('a' + i))})
		if resp.Message != string(rune('a'+i)) || resp.RequestID != res.RequestID {
			t.Fatalf("invocation %d: %+v for %s", i, resp, res.RequestID)
		}
		ids[res.RequestID] = true
		pids[resp.PID] = true
	}
	if len(ids) != 20 {
		t.Errorf("%d distinct request ids in 20 invocations", len(ids))
	}
	if len(pids) != 1 {
		t.Errorf("invocations served by %d processes, want 1 warm one", len(pids))
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	h := start(t, runtimeapi.Options{Timeout: 300 * time.Millisecond})
	begin := time.Now()
	_, err := h.Invoke(t.Context(), []byte(`{"action":"sleep","sleep":"10s"}`))
	if !errors.Is(err, runtimeapi.ErrTimeout) {
		t.Fatalf("Invoke = %v, want ErrTimeout", err)
	}
	if took := time.Since(begin); took > 3*time.Second {
		t.Errorf("timeout took %v for a 300ms Timeout", took)
	}
	if _, resp := echo(t, h, map[string]any{"message": "after"}); resp.Message != "after" {
		t.Errorf("after the timeout: %+v", resp)
	}
}

func TestInvokeContextCanceled(t *testing.T) {
	t.Parallel()
	h := start(t, runtimeapi.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	begin := time.Now()
	slow, err := h.Invoke(ctx, []byte(`{"action":"sleep","sleep":"400ms"}`))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(begin) > 300*time.Millisecond {
		t.Fatalf("Invoke = %v after %v, want DeadlineExceeded at once", err, time.Since(begin))
	}
	// The abandoned invocation still runs; the next one waits its turn.
	res, resp := echo(t, h, map[string]any{"message": "next"})
	if took := time.Since(begin); took < 400*time.Millisecond {
		t.Errorf("next invocation answered after %v, before the abandoned one finished", took)
	}
	if res.RequestID == slow.RequestID || resp.Message != "next" {
		t.Errorf("next invocation got %+v", resp)
	}
}

func TestEnvironment(t *testing.T) {
	t.Setenv("RUNTIMEAPI_LEAK_CHECK", "leaked")
	h := start(t, runtimeapi.Options{
		FunctionName: "env-fn",
		MemoryMB:     512,
		Env:          map[string]string{"SLAWATCH_CONFIG": "/var/task/config.yaml", "TZ": "Europe/Paris", "AWS_LAMBDA_RUNTIME_API": "ignored:1"},
	})
	_, resp := echo(t, h, map[string]any{"action": "env"})
	env := make(map[string]string)
	for _, kv := range resp.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	dir := filepath.Dir(runtimeapi.Build(t, echoPkg))
	for k, want := range map[string]string{
		"_HANDLER":                        "bootstrap",
		"AWS_LAMBDA_FUNCTION_NAME":        "env-fn",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/env-fn",
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"AWS_REGION":                      "us-east-1",
		"AWS_DEFAULT_REGION":              "us-east-1",
		"LAMBDA_TASK_ROOT":                dir,
		"LAMBDA_RUNTIME_DIR":              dir,
		"LANG":                            "en_US.UTF-8",
		"TZ":                              "Europe/Paris", // Options.Env overrides
		"SLAWATCH_CONFIG":                 "/var/task/config.yaml",
	} {
		if env[k] != want {
			t.Errorf("%s = %q, want %q", k, env[k], want)
		}
	}
	if api := env["AWS_LAMBDA_RUNTIME_API"]; !strings.HasPrefix(api, "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q, want the harness's loopback address", api)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_LOG_STREAM_NAME", "PATH"} {
		if env[k] == "" {
			t.Errorf("%s is not set", k)
		}
	}
	// _X_AMZN_TRACE_ID is set by aws-lambda-go itself from the trace header.
	if !strings.HasPrefix(env["_X_AMZN_TRACE_ID"], "Root=1-") {
		t.Errorf("_X_AMZN_TRACE_ID = %q, want the invocation's trace header", env["_X_AMZN_TRACE_ID"])
	}
	for _, k := range []string{"RUNTIMEAPI_LEAK_CHECK", "AWS_EXECUTION_ENV", "GOFLAGS"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s=%q reached the function", k, v)
		}
	}
}

func TestInitError(t *testing.T) {
	t.Parallel()
	h := start(t, runtimeapi.Options{Env: map[string]string{"ECHO_INIT": "error"}})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err := h.Invoke(ctx, nil)
	if !errors.Is(err, runtimeapi.ErrInit) {
		t.Fatalf("Invoke = %v, want ErrInit", err)
	}
	var fe *runtimeapi.FunctionError
	if !errors.As(err, &fe) || fe.Type != "Runtime.ConfigInvalid" || !strings.Contains(fe.Message, "ECHO_INIT") {
		t.Errorf("init error = %v, want the Runtime.ConfigInvalid the function posted", fe)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	h, err := runtimeapi.Start(t.Context(), runtimeapi.Options{Binary: runtimeapi.Build(t, echoPkg)})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := h.Invoke(t.Context(), nil); !errors.Is(err, runtimeapi.ErrClosed) {
		t.Errorf("Invoke after Close = %v, want ErrClosed", err)
	}
}

func TestStartErrors(t *testing.T) {
	t.Parallel()
	for _, o := range []runtimeapi.Options{{}, {Binary: filepath.Join(t.TempDir(), "missing")}, {Binary: t.TempDir()}} {
		if h, err := runtimeapi.Start(t.Context(), o); err == nil {
			h.Close()
			t.Errorf("Start(%+v) succeeded", o)
		}
	}
}

func TestBuild(t *testing.T) {
	t.Parallel()
	path := runtimeapi.Build(t, echoPkg)
	if again := runtimeapi.Build(t, echoPkg); again != path {
		t.Errorf("second Build = %s, want the cached %s", again, path)
	}
	if filepath.Base(path) != "bootstrap" {
		t.Errorf("Build = %s, want a file named bootstrap", path)
	}
	size := runtimeapi.Size(path)
	if size <= 0 {
		t.Fatalf("Size(%s) = %d", path, size)
	}
	if got := runtimeapi.Size(filepath.Join(t.TempDir(), "missing")); got != -1 {
		t.Errorf("Size of a missing file = %d, want -1", got)
	}
	t.Logf("echo bootstrap: %d bytes (%.1f MiB)", size, float64(size)/(1<<20))
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	ax, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return bytes.Equal(ax, by)
}

// TestMain builds the echo function before the tests, whose invocations
// have deadlines of a few seconds, start their clocks.
func TestMain(m *testing.M) {
	if err := runtimeapi.Prebuild(echoPkg); err != nil {
		fmt.Fprintln(os.Stderr, "runtimeapi: build the echo function:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
