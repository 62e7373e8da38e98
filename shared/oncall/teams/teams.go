package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
)

// tool names Teams in errors.
const tool = "teams"

// defaultClient bounds a post: Workflows answers 202 as soon as the flow run
// is queued, so a slow answer is a stuck one and is better retried.
var defaultClient = &http.Client{Timeout: 15 * time.Second}

// Sender posts each alert to a Teams channel through a Workflows webhook,
// one card per alert. A Workflows webhook cannot edit or delete what it
// posted, so the warning, breach, escalations and recovery of one clock are
// separate cards, and an alert retried after a lost answer is posted again
// (its card shows the alert id, so people can tell).
type Sender struct {
	// URL is the webhook URL the Workflows trigger shows. It is a
	// credential: its sig query parameter signs every request. It never
	// appears in an error.
	URL string
	// Client sends the requests; nil is a client with a 15 s timeout.
	Client *http.Client
	// Now is the posting time the card's "Overdue by" is measured at; nil
	// is time.Now.
	Now func() time.Time
}

var _ oncall.Sender = (*Sender)(nil)

// Send posts d's card. Errors are *oncall.Error, classified as the webhook
// answers: 2xx (202 Accepted) delivered; 429 retried after its Retry-After;
// 408 and 5xx retried; 400, 413 and the 401/403/404 of a wrong or revoked
// URL permanent. A 202 means the flow run was queued, not that the card
// was posted: a card the flow cannot post fails in the run's history.
func (s *Sender) Send(ctx context.Context, d notify.Document) error {
	u, err := s.target()
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	body, err := json.Marshal(Card(d, now()))
	if err != nil {
		return &oncall.Error{Tool: tool, Permanent: true, Reason: "encode card", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil { // its text would hold the URL
		return &oncall.Error{Tool: tool, Permanent: true, Reason: "cannot build the request"}
	}
	req.Header.Set("Content-Type", "application/json")
	client := s.Client
	if client == nil {
		client = defaultClient
	}
	answer, err := oncall.Do(client, req, tool)
	if err == nil {
		return nil
	}
	return s.explain(err, answer, u)
}

// target checks the webhook URL without ever quoting it.
func (s *Sender) target() (*url.URL, error) {
	if s.URL == "" {
		return nil, &oncall.Error{Tool: tool, Permanent: true, Reason: "no webhook URL configured"}
	}
	u, err := url.Parse(s.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, &oncall.Error{Tool: tool, Permanent: true, Reason: "the webhook URL is not an http(s) URL"}
	}
	if legacy(u.Hostname()) {
		return nil, &oncall.Error{Tool: tool, Permanent: true,
			Reason: "an Office 365 connector URL: connectors are retired, create a Workflows webhook (docs/integrations/teams.md)"}
	}
	return u, nil
}

// legacy reports a retired Office 365 connector host (webhook.office.com,
// outlook.office.com/webhook): they answered MessageCards with "1".
func legacy(host string) bool {
	host = strings.ToLower(host)
	return host == "webhook.office.com" || strings.HasSuffix(host, ".webhook.office.com") ||
		host == "outlook.office.com" || host == "outlook.office365.com"
}

// errorBody is the error a Logic Apps / Power Automate trigger answers
// with, e.g. {"error":{"code":"DirectApiInvalidAuthorizationSignature",
// "message":"The provided authorization signature is not valid."}} (the
// shape Grafana reads in grafana/alerting receivers/teams/v1/teams.go).
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// explain turns Do's error into one a person can act on, and makes sure the
// webhook URL and its signature are in none of it, even if the answer
// echoed them.
func (s *Sender) explain(err error, answer []byte, u *url.URL) error {
	var e *oncall.Error
	if !errors.As(err, &e) {
		return &oncall.Error{Tool: tool, Reason: redact(err.Error(), s.URL, u)}
	}
	var eb errorBody
	if json.Unmarshal(answer, &eb) == nil && eb.Error.Code != "" {
		e.Reason = eb.Error.Code
		if eb.Error.Message != "" {
			e.Reason += ": " + eb.Error.Message
		}
	}
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		e.Reason = join("the webhook URL was refused (a wrong, revoked or deleted workflow): create a new one", e.Reason)
	case http.StatusRequestEntityTooLarge:
		e.Reason = join("the card is over Teams' 28 KB", e.Reason)
	}
	e.Reason = redact(e.Reason, s.URL, u)
	if e.Err != nil && leaks(e.Err.Error(), s.URL, u) {
		e.Err = redactedError(redact(e.Err.Error(), s.URL, u))
	}
	return e
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + ": " + b
}

// leaks reports whether text holds the URL, its path or its signature.
func leaks(text, raw string, u *url.URL) bool {
	return redact(text, raw, u) != text
}

// redact removes the URL, its query and its signature from text.
func redact(text, raw string, u *url.URL) string {
	secrets := []string{raw, u.RawQuery, u.Path}
	if sig := u.Query().Get("sig"); sig != "" {
		secrets = append(secrets, sig, url.QueryEscape(sig))
	}
	for _, v := range secrets {
		if len(v) >= 8 { // "/" or a short path would blank ordinary words
			text = strings.ReplaceAll(text, v, "[webhook URL]")
		}
	}
	return text
}

type redactedError string

func (e redactedError) Error() string { return string(e) }
