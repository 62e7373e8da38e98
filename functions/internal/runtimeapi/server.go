package runtimeapi

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

const (
	apiPrefix = "/2018-06-01/runtime/"

	// maxPayload is Lambda's synchronous request and response limit
	// (6 MB); the emulator and Lambda's error message both use 6 MiB + 100.
	maxPayload = 6*1024*1024 + 100

	headerRequestID   = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline    = "Lambda-Runtime-Deadline-Ms"
	headerFunctionARN = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID     = "Lambda-Runtime-Trace-Id"
	headerErrorType   = "Lambda-Runtime-Function-Error-Type"
	// trailerErrorBody carries a base64 error document when a runtime fails
	// while streaming a response body (aws-lambda-go sends it as a trailer
	// together with Lambda-Runtime-Function-Error-Type).
	trailerErrorBody = "Lambda-Runtime-Function-Error-Body"
)

// FunctionError is an error the function reported to the Runtime API, as
// Lambda would return it to the caller.
type FunctionError struct {
	Message string
	Type    string
	// StackTrace holds the frames of the error document. The API documents
	// them as strings; aws-lambda-go sends {path, line, label} objects,
	// which are rendered as "path:line label".
	StackTrace []string
}

func (e *FunctionError) Error() string {
	return e.Type + ": " + e.Message
}

// invocation is one event on its way through the Runtime API.
type invocation struct {
	id      string
	payload []byte
	queued  time.Time

	dispatched chan struct{} // closed once the runtime has received it
	done       chan struct{} // closed once the runtime has answered it

	// Guarded by server.mu until the channel that publishes them is closed.
	withdrawn bool
	deadline  time.Time // set before dispatched is closed
	answered  time.Time // set before done is closed, with response or err
	response  []byte
	err       *FunctionError
}

func newInvocation(payload []byte) *invocation {
	return &invocation{
		id:         newRequestID(),
		payload:    payload,
		dispatched: make(chan struct{}),
		done:       make(chan struct{}),
	}
}

// server implements the Runtime API endpoints for one function.
type server struct {
	functionARN string
	timeout     time.Duration
	onInitError func(gen int, fe *FunctionError) // gen: the reporting process's generation (0 if unknown)

	queue chan *invocation // holds at most the one invocation in flight

	mu       sync.Mutex
	gen      int             // the generation of the process being served
	current  *invocation     // received by the runtime, not answered yet
	finished map[string]bool // ids answered or abandoned
	protocol []error         // protocol errors, in order
}

// generationKey is the request context key for the generation of the
// process a request comes from (each process has its own listener).
type generationKey struct{}

// newGeneration starts serving a new process: requests from listeners of
// earlier generations can no longer receive invocations.
func (s *server) newGeneration() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	return s.gen
}

func newServer(functionARN string, timeout time.Duration, onInitError func(int, *FunctionError)) *server {
	return &server{
		functionARN: functionARN,
		timeout:     timeout,
		onInitError: onInitError,
		queue:       make(chan *invocation, 1),
		finished:    make(map[string]bool),
	}
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"invocation/next", s.next)
	mux.HandleFunc("POST "+apiPrefix+"invocation/{id}/response", s.response)
	mux.HandleFunc("POST "+apiPrefix+"invocation/{id}/error", s.invocationError)
	mux.HandleFunc("POST "+apiPrefix+"init/error", s.initErrorHandler)
	mux.HandleFunc("/", s.notFound)
	return mux
}

// enqueue offers inv to the runtime. The caller keeps one invocation in
// flight at a time, so the queue never blocks.
func (s *server) enqueue(inv *invocation) {
	inv.queued = time.Now()
	s.queue <- inv
}

// withdraw takes back an invocation that will not be answered (its process
// is gone): a late answer for it is a protocol error.
func (s *server) withdraw(inv *invocation) {
	select {
	case queued := <-s.queue:
		if queued != inv {
			s.queue <- queued
		}
	default:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inv.withdrawn = true
	if s.current == inv {
		s.current = nil
		s.finished[inv.id] = true
	}
}

// protocolErrors returns the protocol errors seen so far, joined.
func (s *server) protocolErrors() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.protocol...)
}

func (s *server) protocolError(r *http.Request, format string, args ...any) error {
	err := fmt.Errorf("runtimeapi: protocol error: %s %s: %s", r.Method, r.URL.Path, fmt.Sprintf(format, args...))
	s.protocol = append(s.protocol, err)
	return err
}

func (s *server) next(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet { // the GET pattern also matches HEAD
		s.notFound(w, r)
		return
	}
	s.mu.Lock()
	if s.current != nil {
		s.protocolError(r, "request %s is not answered yet", s.current.id)
	}
	s.mu.Unlock()

	var inv *invocation
	select {
	case inv = <-s.queue:
	case <-r.Context().Done():
		return
	}

	s.mu.Lock()
	if gen, ok := r.Context().Value(generationKey{}).(int); ok && gen != s.gen {
		// A request left over from a process that has exited: leave the
		// invocation to the next process.
		if !inv.withdrawn {
			s.queue <- inv
		}
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, "StaleRuntime", "this execution environment has been replaced")
		return
	}
	if inv.withdrawn {
		s.mu.Unlock()
		return
	}
	inv.deadline = time.Now().Add(s.timeout)
	s.current = inv
	s.mu.Unlock()
	close(inv.dispatched)

	h := w.Header()
	h.Set(headerRequestID, inv.id)
	h.Set(headerDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set(headerFunctionARN, s.functionARN)
	h.Set(headerTraceID, newTraceID(inv.queued))
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(inv.payload)
}

func (s *server) response(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		s.badRequest(w, r, "read body: %v", err)
		return
	}
	var fe *FunctionError
	if typ := r.Trailer.Get(headerErrorType); typ != "" {
		doc, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody))
		fe = parseFunctionError(typ, doc)
	}
	tooLarge := len(body) > maxPayload
	if tooLarge {
		body = nil
		fe = &FunctionError{
			Type:    "Function.ResponseSizeTooLarge",
			Message: fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxPayload),
		}
	}
	if err := s.finish(r, body, fe); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestID", err.Error())
		return
	}
	if tooLarge {
		writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", fe.Message)
		return
	}
	writeAccepted(w)
}

func (s *server) invocationError(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload))
	if err != nil {
		s.badRequest(w, r, "read body: %v", err)
		return
	}
	if err := s.finish(r, nil, parseFunctionError(r.Header.Get(headerErrorType), body)); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestID", err.Error())
		return
	}
	writeAccepted(w)
}

// finish records the answer to the invocation named in the path.
func (s *server) finish(r *http.Request, response []byte, fe *FunctionError) error {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.current
	if inv == nil || inv.id != id {
		if s.finished[id] {
			return s.protocolError(r, "request %s was already answered", id)
		}
		return s.protocolError(r, "unknown request id %q", id)
	}
	s.current = nil
	s.finished[id] = true
	inv.answered = time.Now()
	inv.response = response
	inv.err = fe
	close(inv.done)
	return nil
}

func (s *server) initErrorHandler(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload))
	if err != nil {
		s.badRequest(w, r, "read body: %v", err)
		return
	}
	if s.onInitError != nil {
		gen, _ := r.Context().Value(generationKey{}).(int)
		s.onInitError(gen, parseFunctionError(r.Header.Get(headerErrorType), body))
	}
	writeAccepted(w)
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	err := s.protocolError(r, "not a Runtime API endpoint")
	s.mu.Unlock()
	writeError(w, http.StatusNotFound, "InvalidPath", err.Error())
}

func (s *server) badRequest(w http.ResponseWriter, r *http.Request, format string, args ...any) {
	s.mu.Lock()
	err := s.protocolError(r, format, args...)
	s.mu.Unlock()
	writeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
}

// parseFunctionError reads an error document ({errorMessage, errorType,
// stackTrace}). As Lambda does, it falls back on the
// Lambda-Runtime-Function-Error-Type header when the document has no type or
// cannot be read.
func parseFunctionError(headerType string, body []byte) *FunctionError {
	fe := &FunctionError{Type: headerType}
	var doc struct {
		ErrorMessage string            `json:"errorMessage"`
		ErrorType    string            `json:"errorType"`
		StackTrace   []json.RawMessage `json:"stackTrace"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		fe.Message = string(body)
	} else {
		fe.Message = doc.ErrorMessage
		if doc.ErrorType != "" {
			fe.Type = doc.ErrorType
		}
		for _, raw := range doc.StackTrace {
			fe.StackTrace = append(fe.StackTrace, frameString(raw))
		}
	}
	if fe.Type == "" {
		fe.Type = "Unhandled"
	}
	return fe
}

func frameString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var f struct {
		Path  string `json:"path"`
		Line  int    `json:"line"`
		Label string `json:"label"`
	}
	if json.Unmarshal(raw, &f) == nil && (f.Path != "" || f.Label != "") {
		return fmt.Sprintf("%s:%d %s", f.Path, f.Line, f.Label)
	}
	return string(raw)
}

func writeAccepted(w http.ResponseWriter) {
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "OK"})
}

// writeError answers with the API's ErrorResponse document.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	writeJSON(w, status, map[string]string{"errorMessage": msg, "errorType": typ})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// newRequestID returns a random (version 4) UUID, the form Lambda uses.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newTraceID returns an X-Ray tracing header with an unsampled trace.
func newTraceID(at time.Time) string {
	var b [20]byte
	rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", at.Unix(), hex.EncodeToString(b[:12]), hex.EncodeToString(b[12:]))
}
