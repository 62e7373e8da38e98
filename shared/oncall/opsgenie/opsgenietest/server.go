// Package opsgenietest serves the part of Opsgenie's Alert API v2 slawatch
// uses, enforcing its documented contract, so that the sender is tested
// against the rules rather than against itself: the GenieKey header, paths
// and identifierType, required and bounded fields, the priority enum, 202
// with a requestId for every valid action, and de-duplication on the alias
// of an open alert. Faults (429 as Opsgenie sends it, 5xx, a hang) can be
// scripted for the next requests.
//
// Sources: docs.opsgenie.com/docs/alert-api (create, close, update
// priority, request status, limits), docs/response (status codes),
// docs/api-rate-limiting and opsgenie-go-sdk-v2 client/client_test.go
// (429 headers). Details in docs/integrations/opsgenie.md.
package opsgenietest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Alert is an alert as the server holds it.
type Alert struct {
	ID, TinyID, Alias string
	Message           string
	Description       string
	Priority          string
	Tags              []string
	Details           map[string]string
	Entity, Source    string
	Status            string // "open" or "closed"
	// Count is how many creates the alert stands for: the first and every
	// de-duplicated one.
	Count       int
	CloseSource string
	CloseNote   string
}

// Request is one request the server answered.
type Request struct {
	Method, Path, Query string
	Status              int
	Body                []byte
}

// Fault is a scripted answer. The zero Fault answers as the contract
// says: it lets a fault hit the second request of a delivery.
type Fault struct {
	Status int
	Header http.Header
	Body   string
	// Hang holds the request until the client gives up or the server closes.
	Hang bool
}

// RateLimited is Opsgenie's 429: no Retry-After, the rate-limit state and
// the window exceeded in seconds (1 or 60).
func RateLimited(periodSeconds int) Fault {
	return Fault{
		Status: http.StatusTooManyRequests,
		Header: http.Header{
			"X-Ratelimit-State":         {"THROTTLED"},
			"X-Ratelimit-Reason":        {"INTEGRATION"},
			"X-Ratelimit-Period-In-Sec": {strconv.Itoa(periodSeconds)},
		},
		Body: `{"message":"TooManyRequests","took":0.001,"requestId":"rate-limited"}`,
	}
}

// ServerError is a 500.
var ServerError = Fault{Status: http.StatusInternalServerError, Body: `{"message":"Internal Server Error","took":0.001}`}

// Hang never answers.
var Hang = Fault{Hang: true}

// Server is a local Opsgenie.
type Server struct {
	*httptest.Server
	key string

	mu       sync.Mutex
	alerts   []*Alert // in creation order; an alias's latest is its last
	requests []Request
	statuses map[string]status // by requestId
	faults   []Fault
	seq      int
	done     chan struct{}
}

type status struct {
	Success bool   `json:"success"`
	Action  string `json:"action"`
	Status  string `json:"status"`
	AlertID string `json:"alertId"`
	Alias   string `json:"alias"`
}

// NewServer starts a server that accepts apiKey.
func NewServer(apiKey string) *Server {
	s := &Server{key: apiKey, statuses: map[string]status{}, done: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close releases hanging requests and stops the server.
func (s *Server) Close() {
	close(s.done)
	s.Server.Close()
}

// Inject answers the next n requests with f.
func (s *Server) Inject(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Alerts returns copies of every alert, in creation order.
func (s *Server) Alerts() []Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Alert, 0, len(s.alerts))
	for _, a := range s.alerts {
		c := *a
		c.Tags = slices.Clone(a.Tags)
		out = append(out, c)
	}
	return out
}

// Requests returns the requests answered so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	var f *Fault
	if len(s.faults) > 0 {
		f = &s.faults[0]
		s.faults = s.faults[1:]
	}
	s.mu.Unlock()
	if f != nil && f.Hang {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		s.log(r, 0, body)
		return
	}
	if f != nil && f.Status != 0 {
		for k, v := range f.Header {
			w.Header()[k] = v
		}
		s.reply(w, r, body, f.Status, f.Body)
		return
	}
	code, answer := s.handle(r, body)
	s.reply(w, r, body, code, answer)
}

func (s *Server) reply(w http.ResponseWriter, r *http.Request, body []byte, code int, answer string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(answer))
	s.log(r, code, body)
}

func (s *Server) log(r *http.Request, code int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Status: code, Body: body})
}

func problem(msg string) string {
	b, _ := json.Marshal(map[string]any{"message": msg, "took": 0.001, "requestId": "error"})
	return string(b)
}

// handle applies the contract; the caller holds no lock.
func (s *Server) handle(r *http.Request, body []byte) (int, string) {
	if r.Header.Get("Authorization") != "GenieKey "+s.key {
		return http.StatusUnauthorized, problem("Could not authenticate")
	}
	// Split the escaped path: an alias may hold an encoded "/".
	raw := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	seg := make([]string, len(raw))
	for i, p := range raw {
		u, err := url.PathUnescape(p)
		if err != nil {
			return http.StatusBadRequest, problem("bad path")
		}
		seg[i] = u
	}
	if len(seg) < 2 || seg[0] != "v2" || seg[1] != "alerts" {
		return http.StatusNotFound, problem("Resource not found")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case len(seg) == 2:
		if r.Method != http.MethodPost {
			return http.StatusMethodNotAllowed, problem("Method not allowed")
		}
		return s.create(r, body)
	case len(seg) == 4 && seg[2] == "requests":
		if r.Method != http.MethodGet {
			return http.StatusMethodNotAllowed, problem("Method not allowed")
		}
		st, ok := s.statuses[seg[3]]
		if !ok {
			return http.StatusNotFound, problem("Request not found")
		}
		b, _ := json.Marshal(map[string]any{"data": st, "took": 0.001, "requestId": s.nextID("r")})
		return http.StatusOK, string(b)
	case len(seg) == 4 && seg[3] == "close":
		if r.Method != http.MethodPost {
			return http.StatusMethodNotAllowed, problem("Method not allowed")
		}
		return s.close(r, seg[2], body)
	case len(seg) == 4 && seg[3] == "priority":
		if r.Method != http.MethodPut {
			return http.StatusMethodNotAllowed, problem("Method not allowed")
		}
		return s.priority(r, seg[2], body)
	}
	return http.StatusNotFound, problem("Resource not found")
}

func jsonBody(r *http.Request, body []byte, v any) (int, string, bool) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return http.StatusUnsupportedMediaType, problem("Content-Type must be application/json"), false
	}
	if err := json.Unmarshal(body, v); err != nil {
		return http.StatusBadRequest, problem("Invalid JSON body"), false
	}
	return 0, "", true
}

type createBody struct {
	Message     string            `json:"message"`
	Alias       string            `json:"alias"`
	Description string            `json:"description"`
	Tags        []string          `json:"tags"`
	Details     map[string]string `json:"details"`
	Entity      string            `json:"entity"`
	Source      string            `json:"source"`
	Priority    string            `json:"priority"`
	User        string            `json:"user"`
	Note        string            `json:"note"`
}

func chars(s string) int { return utf8.RuneCountInString(s) }

func validPriority(p string) bool {
	return slices.Contains([]string{"P1", "P2", "P3", "P4", "P5"}, p)
}

func (s *Server) create(r *http.Request, body []byte) (int, string) {
	var c createBody
	if code, msg, ok := jsonBody(r, body, &c); !ok {
		return code, msg
	}
	detailChars := 0
	for k, v := range c.Details {
		detailChars += chars(k) + chars(v)
	}
	tagTooLong := slices.ContainsFunc(c.Tags, func(t string) bool { return chars(t) > 50 })
	switch {
	case strings.TrimSpace(c.Message) == "":
		return http.StatusUnprocessableEntity, problem("Message can not be empty.")
	case chars(c.Message) > 130:
		return http.StatusUnprocessableEntity, problem("Message can not be longer than 130 characters.")
	case chars(c.Alias) > 512:
		return http.StatusUnprocessableEntity, problem("Alias can not be longer than 512 characters.")
	case chars(c.Description) > 15000:
		return http.StatusUnprocessableEntity, problem("Description can not be longer than 15000 characters.")
	case len(c.Tags) > 20 || tagTooLong:
		return http.StatusUnprocessableEntity, problem("At most 20 tags of at most 50 characters.")
	case detailChars > 8000:
		return http.StatusUnprocessableEntity, problem("Details can not be longer than 8000 characters.")
	case chars(c.Entity) > 512:
		return http.StatusUnprocessableEntity, problem("Entity can not be longer than 512 characters.")
	case chars(c.Source) > 100 || chars(c.User) > 100:
		return http.StatusUnprocessableEntity, problem("Source and user can not be longer than 100 characters.")
	case chars(c.Note) > 25000:
		return http.StatusUnprocessableEntity, problem("Note can not be longer than 25000 characters.")
	case c.Priority != "" && !validPriority(c.Priority):
		return http.StatusUnprocessableEntity, problem("Priority should be one of P1, P2, P3, P4, P5.")
	}
	if c.Priority == "" {
		c.Priority = "P3"
	}
	// "there can be only one alert with open status with the same alias":
	// a create on it only counts.
	if a := s.open(c.Alias); c.Alias != "" && a != nil {
		a.Count++
		return s.accepted("Create", true, "Alert is de-duplicated", a)
	}
	a := &Alert{
		ID: s.nextID("alert"), Message: c.Message, Alias: c.Alias, Description: c.Description,
		Priority: c.Priority, Tags: c.Tags, Details: c.Details, Entity: c.Entity, Source: c.Source,
		Status: "open", Count: 1,
	}
	a.TinyID = strconv.Itoa(len(s.alerts) + 1)
	if a.Alias == "" {
		a.Alias = a.ID
	}
	s.alerts = append(s.alerts, a)
	return s.accepted("Create", true, "Created alert", a)
}

// find resolves an identifier of identifierType (id by default); an
// unknown identifierType is refused.
func (s *Server) find(r *http.Request, ident string) (*Alert, int, string) {
	typ := r.URL.Query().Get("identifierType")
	for i := len(s.alerts) - 1; i >= 0; i-- {
		a := s.alerts[i]
		switch typ {
		case "", "id":
			if a.ID == ident {
				return a, 0, ""
			}
		case "tiny":
			if a.TinyID == ident {
				return a, 0, ""
			}
		case "alias":
			if a.Alias == ident {
				return a, 0, ""
			}
		default:
			return nil, http.StatusUnprocessableEntity, problem("identifierType should be one of id, tiny, alias")
		}
	}
	return nil, 0, ""
}

func (s *Server) open(alias string) *Alert {
	for _, a := range s.alerts {
		if a.Alias == alias && a.Status == "open" {
			return a
		}
	}
	return nil
}

func (s *Server) close(r *http.Request, ident string, body []byte) (int, string) {
	var c struct{ User, Source, Note string }
	if len(body) > 0 {
		if code, msg, ok := jsonBody(r, body, &c); !ok {
			return code, msg
		}
	}
	if chars(c.Source) > 100 || chars(c.User) > 100 || chars(c.Note) > 25000 {
		return http.StatusUnprocessableEntity, problem("Field too long.")
	}
	a, code, msg := s.find(r, ident)
	if code != 0 {
		return code, msg
	}
	// The action is processed asynchronously: an unknown alert is still
	// accepted, and its request status says so.
	if a == nil {
		return s.accepted("Close", false, "Alert does not exist", nil)
	}
	a.Status, a.CloseSource, a.CloseNote = "closed", c.Source, c.Note
	return s.accepted("Close", true, "Closed alert", a)
}

func (s *Server) priority(r *http.Request, ident string, body []byte) (int, string) {
	var p struct{ Priority string }
	if code, msg, ok := jsonBody(r, body, &p); !ok {
		return code, msg
	}
	if !validPriority(p.Priority) {
		return http.StatusUnprocessableEntity, problem("Priority should be one of P1, P2, P3, P4, P5.")
	}
	a, code, msg := s.find(r, ident)
	if code != 0 {
		return code, msg
	}
	if a == nil {
		return s.accepted("UpdatePriority", false, "Alert does not exist", nil)
	}
	a.Priority = p.Priority
	return s.accepted("UpdatePriority", true, "Updated priority", a)
}

func (s *Server) accepted(action string, ok bool, what string, a *Alert) (int, string) {
	id := s.nextID("request")
	st := status{Success: ok, Action: action, Status: what}
	if a != nil {
		st.AlertID, st.Alias = a.ID, a.Alias
	}
	s.statuses[id] = st
	b, _ := json.Marshal(map[string]any{"result": "Request will be processed", "took": 0.02, "requestId": id})
	return http.StatusAccepted, string(b)
}

func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1000, s.seq)
}
