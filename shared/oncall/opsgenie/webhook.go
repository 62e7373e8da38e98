package opsgenie

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Acknowledgement is a person's acknowledgement of an alert in Opsgenie, as
// Opsgenie's outgoing webhook integration reports it (action
// "Acknowledge").
type Acknowledgement struct {
	// Alias is the alert's alias: the oncall.IncidentKey slawatch gave it.
	Alias   string
	AlertID string // Opsgenie's id of the alert
	TinyID  string
	// User is who acknowledged (the payload's alert.username, an Opsgenie
	// login, usually an e-mail address: personal data, keep it out of
	// alerts), UserID their Opsgenie id.
	User, UserID string
	// At is when the alert was updated by the acknowledgement.
	At time.Time
	// Via is the channel it came through (source.type: web, mobile, API…).
	Via string
}

// webhookPayload is the outgoing webhook's JSON ("alert action data",
// docs.opsgenie.com/docs/marid-alert-action-data, now
// support.atlassian.com/opsgenie/docs/opsgenie-edge-connector-alert-action-data).
type webhookPayload struct {
	Action string `json:"action"`
	Source struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"source"`
	Alert struct {
		AlertID  string `json:"alertId"`
		Alias    string `json:"alias"`
		TinyID   string `json:"tinyId"`
		Username string `json:"username"`
		UserID   string `json:"userId"`
		// UpdatedAt is in nanoseconds (1420452224764002246 in the
		// documented example), createdAt in milliseconds: a json.Number,
		// because nanoseconds since 1970 do not fit a float64 exactly.
		UpdatedAt json.Number `json:"updatedAt"`
	} `json:"alert"`
}

// ErrNotAcknowledge is returned by ParseAcknowledgement for the webhook's
// other actions (Create, Close, AddNote…): not an error of the sender, to
// be answered 2xx and ignored.
var ErrNotAcknowledge = errors.New("opsgenie: webhook action is not Acknowledge")

// ParseAcknowledgement reads an outgoing webhook's body.
func ParseAcknowledgement(body []byte) (Acknowledgement, error) {
	var p webhookPayload
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return Acknowledgement{}, fmt.Errorf("opsgenie: webhook payload: %w", err)
	}
	if p.Action != "Acknowledge" {
		return Acknowledgement{}, ErrNotAcknowledge
	}
	if p.Alert.Alias == "" && p.Alert.AlertID == "" {
		return Acknowledgement{}, errors.New("opsgenie: webhook payload: no alert alias or id")
	}
	a := Acknowledgement{
		Alias: p.Alert.Alias, AlertID: p.Alert.AlertID, TinyID: p.Alert.TinyID,
		User: p.Alert.Username, UserID: p.Alert.UserID, Via: p.Source.Type,
	}
	if p.Alert.UpdatedAt != "" {
		ns, err := strconv.ParseInt(p.Alert.UpdatedAt.String(), 10, 64)
		if err != nil {
			return Acknowledgement{}, fmt.Errorf("opsgenie: webhook payload: updatedAt %q: %w", p.Alert.UpdatedAt, err)
		}
		a.At = time.Unix(0, ns).UTC()
	}
	return a, nil
}

// SecretHeader is the header the webhook integration is set up to send
// with the shared secret. Opsgenie does not sign its webhooks; the
// integration's "custom headers" are what it offers to authenticate them
// (docs/integrations/opsgenie.md).
const SecretHeader = "X-Slawatch-Webhook-Secret"

// ErrUnauthenticated is a webhook request without the shared secret.
var ErrUnauthenticated = errors.New("opsgenie: webhook: missing or wrong secret")

// VerifyWebhook checks that r carries secret in SecretHeader. The
// comparison takes the same time however much of the secret matches, and
// its length does not leak either: both sides are hashed first. An empty
// secret authenticates nothing.
func VerifyWebhook(r *http.Request, secret string) error {
	got := r.Header.Get(SecretHeader)
	if secret == "" || got == "" {
		return ErrUnauthenticated
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return ErrUnauthenticated
	}
	return nil
}
