package pagerduty

// PagerDuty v3 webhooks: how an acknowledgement in PagerDuty will come back
// to slawatch (the handler is a later step).
//
// Signatures (developer.pagerduty.com "Verifying Signatures";
// github.com/PagerDuty/developer-docs docs/webhooks/04-Signatures.md): the
// X-PagerDuty-Signature header holds one or more comma-separated signatures,
// several while a secret is being rotated; version v1 is "v1=" and the
// Base16 HMAC-SHA256 of the raw request body with the subscription's secret.
// At least one must match; compare in constant time.
//
// Payload (docs/webhooks/01-Overview.md, "Webhook Payload"): {"event": {id,
// event_type, resource_type, occurred_at, agent, client, data}}; for
// incident.acknowledged, incident.unacknowledged and incident.resolved,
// data is the incident: id, html_url, number, status, incident_key, title,
// service, assignees, ...
//
// The dedup_key slawatch sent is NOT documented to be in the payload.
// data.incident_key is the incident's own key; PagerDuty's documentation
// calls it the incident's de-duplication key, but an incident made from
// Events API v2 alerts may carry a key of its own (one observed in the
// pdpyras issue #44 thread; in the captured webhook in testdata it is a
// bare UUID), and with alert grouping one incident holds many alerts. So
// the parser returns incident_key as it is, and also the incident's id,
// URL and title (which starts with the alert's summary, naming the ticket).
// Matching an incident to a slawatch clock reliably needs the REST API
// (GET /incidents/{id}/alerts: each alert's alert_key is its dedup_key),
// which needs an API token: for the acknowledge step to decide.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SignatureHeader is the header a v3 webhook's signatures come in.
const SignatureHeader = "X-PagerDuty-Signature"

// Webhook event types slawatch reads.
const (
	EventAcknowledged   = "incident.acknowledged"
	EventUnacknowledged = "incident.unacknowledged"
	EventResolved       = "incident.resolved"
)

// Signature verification failures. Neither says which secret was tried.
var (
	// ErrNoSignature: the header is missing or holds no v1 signature.
	ErrNoSignature = errors.New("pagerduty webhook: no v1 signature")
	// ErrBadSignature: no signature matches any secret.
	ErrBadSignature = errors.New("pagerduty webhook: signature does not match")
	// ErrNoSecret: there is no secret to check with; never accept then.
	ErrNoSecret = errors.New("pagerduty webhook: no signing secret configured")
)

// Sign returns the X-PagerDuty-Signature value PagerDuty sends for body
// with secret: "v1=" and the hex HMAC-SHA256.
func Sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks that header, the request's X-PagerDuty-Signature,
// holds a v1 signature of the raw body by one of secrets (more than one
// while slawatch's copy of the secret is being rotated). It does not parse
// the body: verify first, then ParseWebhook.
func VerifySignature(body []byte, header string, secrets ...string) error {
	var sigs [][]byte
	for _, s := range strings.Split(header, ",") {
		v, ok := strings.CutPrefix(strings.TrimSpace(s), "v1=")
		if !ok {
			continue // other versions: not ours to judge
		}
		if b, err := hex.DecodeString(v); err == nil && len(b) == sha256.Size {
			sigs = append(sigs, b)
		}
	}
	if len(sigs) == 0 {
		return ErrNoSignature
	}
	checked := false
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		checked = true
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		want := m.Sum(nil)
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				return nil
			}
		}
	}
	if !checked {
		return ErrNoSecret
	}
	return ErrBadSignature
}

// WebhookEvent is what slawatch reads from an incident webhook.
type WebhookEvent struct {
	ID         string    // the webhook event's id: de-duplicate deliveries on it
	Type       string    // EventAcknowledged, EventUnacknowledged or EventResolved
	OccurredAt time.Time // when it happened in PagerDuty
	// Agent is who did it, as PagerDuty shows them (agent.summary: a user's
	// name); AgentID and AgentType identify them ("user_reference"). Empty
	// when PagerDuty sends no agent (agent: null).
	Agent, AgentID, AgentType string
	// The incident.
	IncidentID     string
	IncidentNumber int
	IncidentURL    string // html_url
	IncidentKey    string // data.incident_key: not necessarily slawatch's dedup_key, see above
	Status         string // triggered, acknowledged, resolved
	Title          string
	Service        string // service.summary
}

// ErrNotIncident is returned for webhook events slawatch does not act on
// (pagey.ping, service.updated, incident.annotated...): answer them 2xx and
// drop them.
var ErrNotIncident = errors.New("pagerduty webhook: not an incident state change")

type webhookPayload struct {
	Event struct {
		ID           string    `json:"id"`
		EventType    string    `json:"event_type"`
		ResourceType string    `json:"resource_type"`
		OccurredAt   time.Time `json:"occurred_at"`
		Agent        *struct {
			ID      string `json:"id"`
			Type    string `json:"type"`
			Summary string `json:"summary"`
		} `json:"agent"`
		Data json.RawMessage `json:"data"`
	} `json:"event"`
}

type incidentData struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	HTMLURL     string `json:"html_url"`
	Number      int    `json:"number"`
	Status      string `json:"status"`
	IncidentKey string `json:"incident_key"`
	Title       string `json:"title"`
	Service     *struct {
		Summary string `json:"summary"`
	} `json:"service"`
}

// ParseWebhook reads a v3 webhook body (verified first with
// VerifySignature). Events other than an incident's acknowledgement,
// unacknowledgement or resolution return ErrNotIncident.
func ParseWebhook(body []byte) (WebhookEvent, error) {
	var p webhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return WebhookEvent{}, fmt.Errorf("pagerduty webhook: %w", err)
	}
	e := p.Event
	switch e.EventType {
	case EventAcknowledged, EventUnacknowledged, EventResolved:
	default:
		return WebhookEvent{}, fmt.Errorf("%w: %q", ErrNotIncident, e.EventType)
	}
	var d incidentData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return WebhookEvent{}, fmt.Errorf("pagerduty webhook %s: data: %w", e.ID, err)
	}
	if d.Type != "incident" || d.ID == "" {
		return WebhookEvent{}, fmt.Errorf("pagerduty webhook %s: data is %q, want an incident with an id", e.ID, d.Type)
	}
	w := WebhookEvent{
		ID: e.ID, Type: e.EventType, OccurredAt: e.OccurredAt,
		IncidentID: d.ID, IncidentNumber: d.Number, IncidentURL: d.HTMLURL,
		IncidentKey: d.IncidentKey, Status: d.Status, Title: d.Title,
	}
	if e.Agent != nil {
		w.Agent, w.AgentID, w.AgentType = e.Agent.Summary, e.Agent.ID, e.Agent.Type
	}
	if d.Service != nil {
		w.Service = d.Service.Summary
	}
	return w, nil
}
