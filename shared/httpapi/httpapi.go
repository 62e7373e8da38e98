// Package httpapi is slawatch's HTTP interface: webhook intake, the ticket
// read API and the health check. The local server and the Lambda functions
// serve the same handlers.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/metrics"
	"github.com/slawatch/slawatch/shared/oncall/slack"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/builtin"
	"github.com/slawatch/slawatch/shared/queue"
	"github.com/slawatch/slawatch/shared/store"
)

// DefaultMaxBody is the default limit on a webhook body.
const DefaultMaxBody = 1 << 20

// API serves slawatch's routes.
type API struct {
	Config   *policy.Config
	Intake   *intake.Service
	Tickets  store.Tickets
	Adapters map[string]provider.Adapter // by provider name
	// Promises is told of every ticket a webhook touched, to acknowledge
	// new tickets and keep queue history: promise.Service does it in
	// process, handoff.SQS hands it to the acknowledger function. Nil:
	// neither. An error with a RetriedLater method that says true (a
	// delivery the service retries itself) does not fail the webhook.
	Promises Observer
	// Queues serves GET /queues; nil: the route answers 404.
	Queues store.Queues
	// History serves GET /api/report; nil: the route answers 501.
	// HistoryRetention bounds a report's range (0: store.DefaultRetention).
	History          store.History
	HistoryRetention time.Duration
	// Clocks serves GET /api/at-risk; nil: the route answers 501.
	Clocks store.Clocks
	// OnCall applies acknowledgements made in on-call tools (POST
	// /webhooks/pagerduty-actions, /webhooks/opsgenie-actions); nil: 404.
	OnCall *intake.OnCall
	// SlackAcks shows an Acknowledge button's click on the incident's
	// Slack message (route.SlackAcks); nil: in the ticket only.
	SlackAcks interface {
		Acknowledged(ctx context.Context, key string, a slack.Ack) error
	}
	// Silences serves /api/silences; nil: the routes answer 501.
	Silences store.Silences
	// Metrics receives events applied and duplicated, and webhooks
	// refused; nil: none.
	Metrics metrics.Sink
	// Traffic is told of each webhook a source had accepted (verified and
	// parsed: applied, duplicate, ignored or a handshake answered) and each
	// refused for its signature or a missing secret (401), for the
	// heartbeat. Wrap a store in heartbeat.NewRecorder: it writes a busy
	// source's traffic once a minute, not once a webhook. Nil: nothing
	// recorded.
	Traffic TrafficRecorder
	// Secret returns the value of the named secret (an environment variable
	// locally); ok is false when it is not set.
	Secret  func(name string) (value string, ok bool)
	Now     func() time.Time
	Log     *slog.Logger
	MaxBody int64 // DefaultMaxBody when 0
}

// New returns the API over tickets with slawatch's built-in adapters and
// the real clock; fields can be changed before Handler is called.
func New(cfg *policy.Config, tickets store.Tickets, secret func(string) (string, bool), log *slog.Logger) *API {
	a := &API{
		Config:   cfg,
		Tickets:  tickets,
		Adapters: builtin.Adapters(),
		Secret:   secret,
		Now:      time.Now,
		Log:      log,
	}
	a.Intake = &intake.Service{
		Policies: cfg, Tickets: tickets,
		// Through a, so that a clock set after New is the one events are
		// checked against.
		Now:           func() time.Time { return a.Now() },
		MaxFutureSkew: func(source string) time.Duration { return cfg.Sources[source].MaxFutureSkew },
		Link:          cfg.Link,
		Log:           log,
	}
	return a
}

// Handler returns the routes.
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/webhooks/{source}", a.webhook)
	mux.HandleFunc("/webhooks/pagerduty-actions", a.pagerdutyActions)
	mux.HandleFunc("/webhooks/opsgenie-actions", a.opsgenieActions)
	mux.HandleFunc("/webhooks/slack-actions", a.slackActions)
	// {id...}: ticket ids may hold slashes (GitHub's "owner/repo#42").
	mux.HandleFunc("/tickets/{source}/{id...}", a.ticket)
	mux.HandleFunc("/queues", a.queues)
	mux.HandleFunc("/api/report", a.report)
	mux.HandleFunc("/api/at-risk", a.atRisk)
	mux.HandleFunc("/api/open-tickets", a.openTickets)
	a.routeSilences(mux)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	// The dashboard at "/", and the JSON 404 for every path no route has.
	mux.HandleFunc("/", a.dashboard)
	return mux
}

func (a *API) webhook(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("source")
	// The source's logger is made on the first line that needs it: With
	// formats the attribute anew for each request, and an applied webhook,
	// the common case, logs only its one line (below, with the same
	// attributes in the same order).
	var sourceLog *slog.Logger
	log := func() *slog.Logger {
		if sourceLog == nil {
			sourceLog = a.Log.With("source", name)
		}
		return sourceLog
	}
	refuse := func(status int, msg string, extra map[string]string) {
		metrics.Or(a.Metrics).Add(metrics.WebhooksRefused, metrics.Count, 1)
		log().WarnContext(r.Context(), "webhook refused", "status", status, "reason", msg)
		writeError(w, status, msg, extra)
	}
	src, ok := a.Config.Sources[name]
	switch {
	case !ok:
		refuse(http.StatusNotFound, "unknown source "+quote(name), nil)
		return
	case r.Method == http.MethodHead:
		// Some helpdesks (Intercom) probe the URL with HEAD when it is saved.
		w.WriteHeader(http.StatusOK)
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", "POST, HEAD")
		refuse(http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use POST", nil)
		return
	}
	adapter, ok := a.Adapters[src.Provider]
	if !ok {
		log().ErrorContext(r.Context(), "no adapter for provider", "provider", src.Provider)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" { // the common case needs no parsing
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			refuse(http.StatusUnsupportedMediaType, "content type must be application/json", nil)
			return
		}
	}
	body, bad := a.readBody(w, r)
	if bad != nil {
		refuse(bad.status, bad.msg, bad.extra)
		return
	}
	req := provider.Request{Method: r.Method, URL: requestURL(r, src.URL), Header: r.Header, Body: body}
	secret, _ := a.Secret(src.SecretEnv)
	settings := provider.Settings{Source: name, Secret: []byte(secret), Window: src.Window, AckAuthor: src.AckAuthor, Now: a.Now}

	switch {
	case secret != "":
		if err := adapter.Verify(req, settings); err != nil {
			var auth *provider.AuthError
			reason := "bad_signature"
			if errors.As(err, &auth) {
				reason = auth.Reason
			}
			refuse(http.StatusUnauthorized, err.Error(), map[string]string{"reason": reason})
			a.recordTraffic(r.Context(), log, name, false)
			return
		}
	case !src.Insecure:
		// Fail closed: a source nobody gave a secret must not accept
		// whatever anyone posts.
		refuse(http.StatusUnauthorized, "source has no secret configured ("+src.SecretEnv+"); refusing unsigned requests",
			map[string]string{"reason": "no_secret"})
		a.recordTraffic(r.Context(), log, name, false)
		return
	}

	parsed, err := adapter.Parse(req, settings)
	if err != nil {
		extra := map[string]string{}
		var parseErr *provider.ParseError
		if errors.As(err, &parseErr) && parseErr.Field != "" {
			extra["field"] = parseErr.Field
		}
		refuse(http.StatusBadRequest, err.Error(), extra)
		return
	}
	a.recordTraffic(r.Context(), log, name, true)
	if rep := parsed.Reply; rep != nil {
		log().InfoContext(r.Context(), "webhook answered", "status", rep.Status)
		for k, v := range rep.Header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", rep.ContentType)
		w.WriteHeader(rep.Status)
		_, _ = w.Write(rep.Body)
		return
	}
	if parsed.Ignored == "" && len(parsed.Events) == 0 {
		parsed.Ignored = "no events in the request"
	}
	if parsed.Ignored != "" {
		log().InfoContext(r.Context(), "webhook ignored", "reason", parsed.Ignored)
		writeJSON(w, http.StatusAccepted, map[string]string{"ignored": parsed.Ignored})
		return
	}
	events := parsed.Events

	res, err := a.Intake.Ingest(r.Context(), events)
	if err != nil {
		log().ErrorContext(r.Context(), "ingest failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
		return
	}
	a.Log.LogAttrs(r.Context(), slog.LevelInfo, "webhook applied", slog.String("source", name), slog.Int("events", len(events)),
		slog.Int("applied", res.Applied), slog.Int("duplicates", res.Duplicates), slog.Int("late", res.Late), slog.Int("refused", len(res.Refused)))
	metrics.Or(a.Metrics).Add(metrics.EventsApplied, metrics.Count, float64(res.Applied))
	metrics.Or(a.Metrics).Add(metrics.EventsDuplicate, metrics.Count, float64(res.Duplicates))
	if res.Late > 0 {
		metrics.Or(a.Metrics).Add(metrics.EventsLate, metrics.Count, float64(res.Late))
	}
	stored := events
	if len(res.Refused) > 0 {
		stored = make([]event.Event, 0, len(events)-len(res.Refused))
		refused := map[int]bool{}
		for _, rf := range res.Refused {
			refused[rf.Event] = true
			// The reason names the field and never quotes it: ids may be
			// built to forge log lines.
			log().WarnContext(r.Context(), "event refused", "event", rf.Event, "field", rf.Field, "reason", rf.Reason)
		}
		for i, e := range events {
			if !refused[i] {
				stored = append(stored, e)
			}
		}
	}
	if a.Promises != nil && len(stored) > 0 && !a.observe(r, log, stored) {
		// The events are stored, but a queue or acknowledgement claim could
		// not be written: the helpdesk's retry redoes that part (its events
		// are duplicates by then).
		writeError(w, http.StatusServiceUnavailable, "stored, but follow-up work failed; retry", nil)
		return
	}
	if len(res.Refused) > 0 {
		// 400 although the batch's other events are stored: the sender's
		// delivery log shows the failure, and a sender that retries a 4xx
		// anyway only redelivers duplicates.
		msg := res.Refused[0].Error()
		metrics.Or(a.Metrics).Add(metrics.WebhooksRefused, metrics.Count, 1)
		log().WarnContext(r.Context(), "webhook refused", "status", http.StatusBadRequest, "reason", msg)
		writeJSON(w, http.StatusBadRequest, refusedBody{Error: msg, Field: res.Refused[0].Field, Result: res})
		return
	}
	writeResult(w, res)
}

// writeResult answers 200 with res, which refused nothing, as writeJSON
// would (TestWriteResult): without reflection, on the path every applied
// webhook takes.
func writeResult(w http.ResponseWriter, res intake.Result) {
	if len(res.Refused) > 0 {
		writeJSON(w, http.StatusOK, res)
		return
	}
	b := make([]byte, 0, 64)
	b = append(b, `{"applied":`...)
	b = strconv.AppendInt(b, int64(res.Applied), 10)
	b = append(b, `,"duplicates":`...)
	b = strconv.AppendInt(b, int64(res.Duplicates), 10)
	if res.Late != 0 {
		b = append(b, `,"late":`...)
		b = strconv.AppendInt(b, int64(res.Late), 10)
	}
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// TrafficRecorder records a source's accepted and refused webhooks
// (store.Traffic and heartbeat.Recorder are ones).
type TrafficRecorder interface {
	RecordAccepted(ctx context.Context, source string, at time.Time) error
	RecordRejected(ctx context.Context, source string, at time.Time) error
}

// recordTraffic tells a.Traffic of a webhook of a configured source. A
// failure is logged, never the webhook's: the heartbeat is a safety net,
// and the helpdesk would only resend.
func (a *API) recordTraffic(ctx context.Context, log func() *slog.Logger, source string, accepted bool) {
	if a.Traffic == nil {
		return
	}
	record := a.Traffic.RecordRejected
	if accepted {
		record = a.Traffic.RecordAccepted
	}
	if err := record(ctx, source, a.Now()); err != nil {
		log().WarnContext(ctx, "webhook traffic not recorded", "accepted", accepted, "err", err)
	}
}

// refusedBody answers a webhook with refused events: the first refusal as
// the error and its field, what was stored, and every refusal.
type refusedBody struct {
	Error string `json:"error"`
	Field string `json:"field"`
	intake.Result
}

// Observer is told of a ticket after its events are stored.
type Observer interface {
	Observe(ctx context.Context, k store.Key) error
}

// observe runs the acknowledgement and queue work for each ticket the
// events touched, duplicates included (a redelivery must finish what a
// failed delivery left). A failed delivery is not the helpdesk's problem:
// the checker retries it. It reports false when a store write failed.
func (a *API) observe(r *http.Request, log func() *slog.Logger, events []event.Event) bool {
	seen := map[store.Key]bool{}
	ok := true
	for _, e := range events {
		k := store.Key{Source: e.Source, ID: e.TicketID}
		if seen[k] {
			continue
		}
		seen[k] = true
		err := a.Promises.Observe(r.Context(), k)
		var later interface{ RetriedLater() bool }
		switch {
		case err == nil:
		case errors.As(err, &later) && later.RetriedLater():
			log().WarnContext(r.Context(), "acknowledgement deferred", "ticket", k.ID, "err", err)
		default:
			log().ErrorContext(r.Context(), "acknowledgement or queue update failed", "ticket", k.ID, "err", err)
			ok = false
		}
	}
	return ok
}

func (a *API) ticket(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET", nil)
		return
	}
	k := store.Key{Source: r.PathValue("source"), ID: r.PathValue("id")}
	if len(k.ID) > event.MaxIDBytes {
		// No such ticket can be stored (event.Check), and DynamoDB would
		// answer a key this long with an error, not with "not found".
		writeError(w, http.StatusNotFound, fmt.Sprintf("no ticket with an id longer than %d bytes", event.MaxIDBytes), nil)
		return
	}
	t, err := a.Tickets.Get(r.Context(), k)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "no ticket "+quote(k.ID)+" from source "+quote(k.Source), nil)
	case err != nil:
		a.Log.ErrorContext(r.Context(), "get ticket failed", "source", k.Source, "ticket", k.ID, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
	default:
		writeJSONIndent(w, http.StatusOK, t.View(a.Now()), "  ")
	}
}

// requestURL rebuilds the URL the sender used, for signature schemes that
// sign it: the source's configured URL when set (with the request's query),
// else what the request and forwarded headers tell.
// queues reports each queue's promise-kept rate and reply times over the
// window (query parameter, a Go duration; default 7 days).
func (a *API) queues(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET", nil)
		return
	}
	if a.Queues == nil {
		writeError(w, http.StatusNotFound, "queue history is not kept", nil)
		return
	}
	window := queue.DefaultWindow
	if v := r.URL.Query().Get("window"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			writeError(w, http.StatusBadRequest, "window: want a positive duration such as 168h", map[string]string{"field": "window"})
			return
		}
		window = d
	}
	reps, err := store.Reports(r.Context(), a.Queues, a.Now(), window)
	if err != nil {
		a.Log.ErrorContext(r.Context(), "queue report failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
		return
	}
	writeJSONIndent(w, http.StatusOK, map[string]any{"window": window.String(), "queues": reps}, "  ")
}

func requestURL(r *http.Request, configured string) string {
	if configured != "" {
		if r.URL.RawQuery != "" && !strings.Contains(configured, "?") {
			return configured + "?" + r.URL.RawQuery
		}
		return configured
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = p
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// writeJSON answers with v as compact JSON: what helpdesks and scripts
// read.
// badBody is why a request's body could not be read: the answer to give.
type badBody struct {
	status int
	msg    string
	extra  map[string]string
}

// readBody reads the request's body within MaxBody.
func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *badBody) {
	limit := a.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, limit), r.ContentLength, limit)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, &badBody{http.StatusRequestEntityTooLarge, "body larger than the limit", map[string]string{"limit_bytes": strconv.FormatInt(limit, 10)}}
	case err != nil:
		return nil, &badBody{http.StatusBadRequest, "could not read body", nil}
	}
	return body, nil
}

// readAll is io.ReadAll into a buffer of the announced length (within
// limit), so that a body is read without growing the buffer on the way.
func readAll(r io.Reader, announced, limit int64) ([]byte, error) {
	size := int64(512)
	if announced > 0 {
		size = min(announced, limit) + 1 // the extra byte: room to read io.EOF
	}
	b := make([]byte, 0, size)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // let append grow it
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONIndent(w, status, v, "")
}

// writeJSONIndent answers with v indented, for the read routes people curl.
func writeJSONIndent(w http.ResponseWriter, status int, v any, indent string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", indent)
	_ = enc.Encode(v) // the status is sent; a failed write has no one to tell
}

func writeError(w http.ResponseWriter, status int, msg string, extra map[string]string) {
	body := map[string]string{"error": msg}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, status, body)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
