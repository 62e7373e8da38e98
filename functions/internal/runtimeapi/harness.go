package runtimeapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

const (
	// initTimeout is Lambda's limit on the init phase: a runtime that has
	// not fetched the invocation by then is killed.
	initTimeout = 10 * time.Second
	// stopGrace is how long Close waits after SIGTERM before killing.
	stopGrace = 2 * time.Second
)

var (
	// ErrTimeout reports an invocation that ran past its deadline, or a
	// runtime that did not fetch it within Lambda's 10 s init limit. The
	// process is killed; the next Invoke starts a new one.
	ErrTimeout = errors.New("runtimeapi: task timed out")
	// ErrInit reports a runtime that posted to /runtime/init/error. The
	// error wraps the reported *FunctionError.
	ErrInit = errors.New("runtimeapi: init failed")
	// ErrClosed reports an Invoke after Close.
	ErrClosed = errors.New("runtimeapi: harness closed")
)

// Options configure a Harness: the function's configuration as Lambda
// would hold it.
type Options struct {
	Binary       string            // path to a built bootstrap
	Env          map[string]string // the function's environment; overrides the Lambda-defined variables
	FunctionName string            // default "slawatch-test"
	MemoryMB     int               // default 256
	Timeout      time.Duration     // per invocation, default 30s (sets the deadline header)
	// Stdout and Stderr receive the process's output (logs); nil discards
	// it. The process writes from another goroutine: read them after Close,
	// or pass writers safe for concurrent use.
	Stdout, Stderr io.Writer
}

// Result is the outcome of one invocation the function answered.
type Result struct {
	RequestID string
	Payload   []byte         // the function's response (nil on error)
	Err       *FunctionError // the function's reported error, if any
	Duration  time.Duration  // from queuing the invocation to its response
}

// Harness serves the Runtime API to one function process at a time.
type Harness struct {
	ctx    context.Context
	opts   Options
	binary string
	srv    *server

	turn chan struct{} // holds a token while an invocation is in flight

	mu        sync.Mutex
	proc      *process
	coldStart time.Duration
	closed    bool
}

// Start serves the Runtime API on a loopback port and starts o.Binary
// against it. ctx bounds the life of the function processes: when it is
// done they are killed. (Each process gets its own port, so that requests
// from a process that has exited are told apart.)
func Start(ctx context.Context, o Options) (*Harness, error) {
	if o.Binary == "" {
		return nil, errors.New("runtimeapi: Options.Binary is empty")
	}
	binary, err := filepath.Abs(o.Binary)
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: %w", err)
	}
	if fi, err := os.Stat(binary); err != nil {
		return nil, fmt.Errorf("runtimeapi: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("runtimeapi: %s is not a file", binary)
	}
	if o.FunctionName == "" {
		o.FunctionName = "slawatch-test"
	}
	if o.MemoryMB == 0 {
		o.MemoryMB = 256
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}

	h := &Harness{
		ctx:    ctx,
		opts:   o,
		binary: binary,
		turn:   make(chan struct{}, 1),
	}
	arn := fmt.Sprintf("arn:aws:lambda:%s:123456789012:function:%s", regionOf(o), o.FunctionName)
	h.srv = newServer(arn, o.Timeout, h.initFailed)
	if _, err := h.process(); err != nil {
		return nil, err
	}
	return h, nil
}

// Invoke sends payload to the function as a synchronous invocation and waits
// for its answer. An empty payload is sent as {}, as the AWS CLI does.
//
// A function error is a Result with Err set, not an error. Invoke returns an
// error when the function gave no answer: the process exited (*ExitError,
// quoting its output), timed out (ErrTimeout), failed to initialize
// (ErrInit) or ctx ended. If ctx ends first, the invocation keeps running,
// as in Lambda, and the next Invoke waits for it to finish.
func (h *Harness) Invoke(ctx context.Context, payload []byte) (Result, error) {
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if len(payload) > maxPayload {
		return Result{}, fmt.Errorf("runtimeapi: payload of %d bytes is over Lambda's %d byte limit", len(payload), maxPayload)
	}
	select {
	case h.turn <- struct{}{}:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	p, err := h.process()
	if err != nil {
		<-h.turn
		return Result{}, err
	}
	inv := newInvocation(payload)
	h.srv.enqueue(inv)

	type outcome struct {
		res Result
		err error
	}
	out := make(chan outcome, 1)
	go func() {
		res, err := h.supervise(p, inv)
		<-h.turn
		out <- outcome{res, err}
	}()
	select {
	case o := <-out:
		return o.res, o.err
	case <-ctx.Done():
		return Result{RequestID: inv.id}, ctx.Err()
	}
}

// supervise waits for the answer to inv and enforces Lambda's limits.
func (h *Harness) supervise(p *process, inv *invocation) (Result, error) {
	failed := Result{RequestID: inv.id}
	initTimer := time.NewTimer(initTimeout)
	defer initTimer.Stop()
	dispatched := inv.dispatched // nil once the runtime has the invocation
	replaced := false            // whether p was started for this invocation
	var deadline <-chan time.Time
	for {
		select {
		case <-inv.done:
			return h.result(p, inv), nil
		case <-dispatched:
			dispatched = nil
			initTimer.Stop()
			t := time.NewTimer(time.Until(inv.deadline))
			defer t.Stop()
			deadline = t.C
		case <-initTimer.C:
			p.kill()
			h.srv.withdraw(inv)
			return failed, fmt.Errorf("%w: the runtime did not fetch the invocation within %v: %w", ErrTimeout, initTimeout, p.exitError())
		case <-deadline:
			p.kill()
			h.srv.withdraw(inv)
			return failed, fmt.Errorf("%w after %v", ErrTimeout, h.opts.Timeout)
		case <-p.initFailed:
			p.kill()
			h.srv.withdraw(inv)
			return failed, fmt.Errorf("%w: %w", ErrInit, p.initErr)
		case <-p.exited:
			select {
			case <-inv.done: // answered just before exiting
				return h.result(p, inv), nil
			default:
			}
			// A warm process exited between invocations (aws-lambda-go
			// exits after reporting a panic): give this one to a new
			// execution environment, as Lambda does. Whether the old process
			// had fetched it is decided before the new one starts — the old
			// one has exited and can fetch nothing more, while the new one
			// may fetch it at once.
			oldHadIt := false
			select {
			case <-inv.dispatched:
				oldHadIt = true
			default:
			}
			if p.served.Load() && !replaced && !oldHadIt {
				np, err := h.process()
				if err != nil {
					h.srv.withdraw(inv)
					return failed, err
				}
				p, replaced = np, true
				initTimer.Reset(initTimeout)
				continue
			}
			h.srv.withdraw(inv)
			select {
			case <-p.initFailed:
				return failed, fmt.Errorf("%w: %w: %w", ErrInit, p.initErr, p.exitError())
			default:
			}
			return failed, p.exitError()
		}
	}
}

func (h *Harness) result(p *process, inv *invocation) Result {
	p.served.Store(true)
	h.mu.Lock()
	if h.coldStart == 0 {
		h.coldStart = inv.answered.Sub(p.started)
	}
	h.mu.Unlock()
	r := Result{RequestID: inv.id, Duration: inv.answered.Sub(inv.queued)}
	if inv.err != nil {
		r.Err = inv.err
	} else {
		r.Payload = inv.response
	}
	return r
}

// ColdStart returns the time from starting the function process to its
// first response: zero until an Invoke has been answered. It measures the
// first execution environment that answered, not later replacements.
func (h *Harness) ColdStart() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.coldStart
}

// Close stops the function process (SIGTERM, then SIGKILL after 2 s) and the
// server. It returns the protocol errors seen, if any.
func (h *Harness) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	p := h.proc
	h.mu.Unlock()

	if p != nil {
		p.stop(stopGrace)
		p.http.Close()
	}
	return h.srv.protocolErrors()
}

// process returns the running function process, starting one if there is
// none: at Start, or after the previous one exited.
func (h *Harness) process() (*process, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if h.proc != nil {
		select {
		case <-h.proc.exited:
			h.proc.http.Close()
		default:
			return h.proc, nil
		}
	}
	if err := h.ctx.Err(); err != nil {
		return nil, fmt.Errorf("runtimeapi: %w", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: listen: %w", err)
	}
	gen := h.srv.newGeneration()
	srv := &http.Server{
		Handler:           h.srv.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context {
			return context.WithValue(context.Background(), generationKey{}, gen)
		},
	}
	go srv.Serve(ln)

	p := &process{
		gen:        gen,
		http:       srv,
		stderr:     &tail{max: outputTail},
		stdout:     &tail{max: outputTail},
		exited:     make(chan struct{}),
		initFailed: make(chan struct{}),
	}
	cmd := exec.CommandContext(h.ctx, h.binary)
	cmd.Dir = filepath.Dir(h.binary)
	cmd.Env = environment(h.opts, ln.Addr().String(), h.binary)
	cmd.Stdout = tee(p.stdout, h.opts.Stdout)
	cmd.Stderr = tee(p.stderr, h.opts.Stderr)
	cmd.WaitDelay = time.Second
	p.cmd = cmd
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		srv.Close()
		return nil, fmt.Errorf("runtimeapi: start %s: %w", h.binary, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	h.proc = p
	return p, nil
}

func tee(t *tail, w io.Writer) io.Writer {
	if w == nil {
		return t
	}
	return io.MultiWriter(t, w)
}

// initFailed hands an init error to the process that reported it.
func (h *Harness) initFailed(gen int, fe *FunctionError) {
	h.mu.Lock()
	p := h.proc
	h.mu.Unlock()
	if p != nil && p.gen == gen {
		p.failInit(fe)
	}
}
