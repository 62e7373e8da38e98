package runtimeapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// outputTail is how much of the process's output an ExitError quotes.
const outputTail = 2048

// ExitError reports that the function process exited while an invocation
// was pending.
type ExitError struct {
	Err error // what waiting for the process returned, e.g. "exit status 3"
	// Stderr and Stdout hold the last ~2 KB the process wrote to each
	// (functions logging with lambdacontext write to stdout).
	Stderr, Stdout string
}

func (e *ExitError) Error() string {
	status := "exit status 0"
	if e.Err != nil {
		status = e.Err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "runtimeapi: function process exited (%s)", status)
	if e.Stderr != "" {
		fmt.Fprintf(&b, "; stderr ends:\n%s", e.Stderr)
	}
	if e.Stdout != "" {
		fmt.Fprintf(&b, "; stdout ends:\n%s", e.Stdout)
	}
	if e.Stderr == "" && e.Stdout == "" {
		b.WriteString("; it wrote nothing")
	}
	return b.String()
}

func (e *ExitError) Unwrap() error { return e.Err }

// process is one run of the bootstrap binary: one execution environment.
type process struct {
	gen     int          // the server generation it is served as
	http    *http.Server // serves the Runtime API on the process's own port
	cmd     *exec.Cmd
	started time.Time
	stderr  *tail
	stdout  *tail
	served  atomic.Bool // whether it has answered an invocation

	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed

	initOnce   sync.Once
	initFailed chan struct{} // closed when the runtime reports an init error
	initErr    *FunctionError
}

func (p *process) failInit(fe *FunctionError) {
	p.initOnce.Do(func() {
		p.initErr = fe
		close(p.initFailed)
	})
}

func (p *process) exitError() *ExitError {
	<-p.exited
	return &ExitError{Err: p.waitErr, Stderr: p.stderr.String(), Stdout: p.stdout.String()}
}

// kill ends the process at once and waits for it.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// stop sends SIGTERM, waits up to grace, then kills.
func (p *process) stop(grace time.Duration) {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err == nil {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-p.exited:
			return
		case <-t.C:
		}
	}
	p.kill()
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// Dummy credentials (the AWS documentation's example keys), so SDK clients
// load a configuration without reaching for real ones.
const (
	dummyAccessKeyID     = "AKIAIOSFODNN7EXAMPLE"
	dummySecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	dummySessionToken    = "runtimeapi-test-session-token"
)

// environment returns the process environment: the variables Lambda defines
// for a provided.al2023 function, plus o.Env (which overrides them, except
// AWS_LAMBDA_RUNTIME_API), plus PATH and HOME from the test process. Nothing
// else leaks in from the test's environment.
//
// Checked against "Defined runtime environment variables" in
// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html:
//   - AWS_EXECUTION_ENV is not set: the page says it "is not defined for
//     OS-only runtimes (the provided runtime family)".
//   - _X_AMZN_TRACE_ID is not set either (same reason); aws-lambda-go sets
//     it from the Lambda-Runtime-Trace-Id header on each invocation.
//   - AWS_LAMBDA_INITIALIZATION_TYPE=on-demand, AWS_ACCESS_KEY (the legacy
//     name of the key id) and LANG=en_US.UTF-8 are on the page and set.
//   - AWS_LAMBDA_LOG_FORMAT=JSON is not on the page; Lambda sets it when the
//     function's LoggingConfig.LogFormat is JSON, as template.yaml asks.
//     AWS_LAMBDA_LOG_LEVEL (set only with an ApplicationLogLevel) is not.
//   - LAMBDA_TASK_ROOT and LAMBDA_RUNTIME_DIR are /var/task and /var/runtime
//     in Lambda; here both are the binary's directory, also the working
//     directory. TZ is ":UTC" as the page gives it.
//   - PATH and HOME are the host's (Lambda's PATH is
//     /usr/local/bin:/usr/bin/:/bin:/opt/bin and it sets no HOME).
//     LD_LIBRARY_PATH, AWS_XRAY_*, AWS_LAMBDA_MAX_CONCURRENCY (Managed
//     Instances only) and AWS_LAMBDA_METADATA_API/TOKEN are not set.
func environment(o Options, runtimeAPI, binary string) []string {
	env := make(map[string]string)
	for _, k := range []string{"PATH", "HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	dir := filepath.Dir(binary)
	region := regionOf(o)
	for k, v := range map[string]string{
		"_HANDLER":                        "bootstrap",
		"AWS_LAMBDA_FUNCTION_NAME":        o.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": fmt.Sprint(o.MemoryMB),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + o.FunctionName,
		"AWS_LAMBDA_LOG_STREAM_NAME":      logStreamName(time.Now()),
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"AWS_ACCESS_KEY":                  dummyAccessKeyID,
		"AWS_ACCESS_KEY_ID":               dummyAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":           dummySecretAccessKey,
		"AWS_SESSION_TOKEN":               dummySessionToken,
		"LAMBDA_TASK_ROOT":                dir,
		"LAMBDA_RUNTIME_DIR":              dir,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
	} {
		env[k] = v
	}
	for k, v := range o.Env {
		env[k] = v
	}
	env["AWS_LAMBDA_RUNTIME_API"] = runtimeAPI

	list := make([]string, 0, len(env))
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}

func regionOf(o Options) string {
	if r := o.Env["AWS_REGION"]; r != "" {
		return r
	}
	return "us-east-1"
}

// logStreamName has the form Lambda gives stream names:
// 2026/01/02/[$LATEST]0123456789abcdef0123456789abcdef.
func logStreamName(at time.Time) string {
	var b [16]byte
	rand.Read(b[:])
	return at.UTC().Format("2006/01/02") + "/[$LATEST]" + hex.EncodeToString(b[:])
}
