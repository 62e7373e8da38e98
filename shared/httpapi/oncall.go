package httpapi

import (
	"cmp"
	"errors"
	"net/http"
	"time"

	"github.com/slawatch/slawatch/shared/intake"
	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/oncall/opsgenie"
	"github.com/slawatch/slawatch/shared/oncall/pagerduty"
	"github.com/slawatch/slawatch/shared/oncall/slack"
	"github.com/slawatch/slawatch/shared/silence"
	"github.com/slawatch/slawatch/shared/sla"
)

// The routes on-call tools call back on when a person acknowledges an
// incident there: escalation levels not yet sent are then held (package
// intake, OnCall). Each is verified with the tool's own scheme against
// every webhook secret the integrations section names for it; nothing is
// applied from an unverified request.

// oncallBody reads a callback's body within the webhook limit, answering
// the error itself.
func (a *API) oncallBody(w http.ResponseWriter, r *http.Request, tool string) ([]byte, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use POST", nil)
		return nil, false
	}
	if a.OnCall == nil || a.Config.Integrations[tool] == nil {
		writeError(w, http.StatusNotFound, tool+" is not configured (integrations."+tool+")", nil)
		return nil, false
	}
	body, bad := a.readBody(w, r)
	if bad != nil {
		writeError(w, bad.status, bad.msg, bad.extra)
		return nil, false
	}
	return body, true
}

// acknowledge applies one acknowledgement and answers. An incident
// slawatch does not know is answered 200 all the same: the tool would only
// retry it.
func (a *API) acknowledge(w http.ResponseWriter, r *http.Request, tool, key string, ack sla.OnCallAck) {
	log := a.Log.With("tool", tool)
	changed, err := a.OnCall.Acknowledge(r.Context(), key, ack)
	switch {
	case errors.Is(err, intake.ErrUnknownIncident):
		log.WarnContext(r.Context(), "acknowledgement of an unknown incident ignored", "err", err)
		writeJSON(w, http.StatusOK, map[string]string{"ignored": "no such ticket clock"})
	case err != nil:
		log.ErrorContext(r.Context(), "acknowledgement failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil) // the tool retries
	default:
		log.InfoContext(r.Context(), "on-call acknowledgement", "changed", changed)
		writeJSON(w, http.StatusOK, map[string]bool{"acknowledged": true, "changed": changed})
	}
}

// pagerdutyActions serves POST /webhooks/pagerduty-actions: PagerDuty's v3
// webhooks, signed with X-PagerDuty-Signature.
func (a *API) pagerdutyActions(w http.ResponseWriter, r *http.Request) {
	body, ok := a.oncallBody(w, r, "pagerduty")
	if !ok {
		return
	}
	if err := pagerduty.VerifySignature(body, r.Header.Get("X-PagerDuty-Signature"), a.secrets("pagerduty", "webhook_secret_env")...); err != nil {
		a.Log.WarnContext(r.Context(), "pagerduty callback refused", "err", err)
		writeError(w, http.StatusUnauthorized, err.Error(), nil)
		return
	}
	ev, err := pagerduty.ParseWebhook(body)
	switch {
	case errors.Is(err, pagerduty.ErrNotIncident):
		writeJSON(w, http.StatusOK, map[string]string{"ignored": err.Error()})
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	case ev.Type != pagerduty.EventAcknowledged:
		writeJSON(w, http.StatusOK, map[string]string{"ignored": ev.Type})
		return
	}
	a.acknowledge(w, r, "pagerduty", ev.IncidentKey, sla.OnCallAck{By: ev.Agent, Via: "pagerduty", At: ev.OccurredAt})
}

// opsgenieActions serves POST /webhooks/opsgenie-actions: Opsgenie's
// outgoing webhook, with the shared secret in its custom header.
func (a *API) opsgenieActions(w http.ResponseWriter, r *http.Request) {
	body, ok := a.oncallBody(w, r, "opsgenie")
	if !ok {
		return
	}
	verified := false
	for _, s := range a.secrets("opsgenie", "webhook_secret_env") {
		if opsgenie.VerifyWebhook(r, s) == nil {
			verified = true
			break
		}
	}
	if !verified {
		a.Log.WarnContext(r.Context(), "opsgenie callback refused: no matching "+opsgenie.SecretHeader)
		writeError(w, http.StatusUnauthorized, "missing or wrong "+opsgenie.SecretHeader, nil)
		return
	}
	ack, err := opsgenie.ParseAcknowledgement(body)
	switch {
	case errors.Is(err, opsgenie.ErrNotAcknowledge):
		writeJSON(w, http.StatusOK, map[string]string{"ignored": err.Error()})
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	// The Opsgenie login is usually an e-mail address: the ticket keeps
	// the user's Opsgenie id instead.
	a.acknowledge(w, r, "opsgenie", ack.Alias, sla.OnCallAck{By: "opsgenie user " + ack.UserID, Via: "opsgenie", At: ack.At})
}

// SlackSnooze is how long the Snooze button silences a ticket's alerts.
const SlackSnooze = 30 * time.Minute

// slackActions serves POST /webhooks/slack-actions: the buttons of
// slawatch's Slack messages, signed with X-Slack-Signature (v0) within
// Slack's five-minute window. Acknowledge holds the clock's escalations;
// Snooze silences the ticket's alerts for 30 minutes.
func (a *API) slackActions(w http.ResponseWriter, r *http.Request) {
	body, ok := a.oncallBody(w, r, "slack")
	if !ok {
		return
	}
	now := a.Now()
	verified := false
	for _, s := range a.secrets("slack", "signing_secret_env") {
		if slack.VerifyRequest([]byte(s), r.Header, body, now) == nil {
			verified = true
			break
		}
	}
	if !verified {
		a.Log.WarnContext(r.Context(), "slack interaction refused: bad or stale signature")
		writeError(w, http.StatusUnauthorized, "bad or stale Slack signature", nil)
		return
	}
	act, err := slack.ParseAction(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	who := cmp.Or(act.UserName, act.UserID)
	switch act.ActionID {
	case slack.ActionAck:
		if a.SlackAcks != nil {
			// The message shows who acknowledged, at once.
			if err := a.SlackAcks.Acknowledged(r.Context(), act.Value, slack.Ack{UserID: act.UserID, UserName: act.UserName, At: now}); err != nil {
				a.Log.WarnContext(r.Context(), "slack: the message does not show the acknowledgement yet", "err", err)
			}
		}
		a.acknowledge(w, r, "slack", act.Value, sla.OnCallAck{By: who, Via: "slack", At: now})
	case slack.ActionSnooze30:
		a.snooze(w, r, act, who, now)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"ignored": "action " + act.ActionID})
	}
}

// snooze silences the alerts of the ticket the incident key names.
func (a *API) snooze(w http.ResponseWriter, r *http.Request, act slack.Action, who string, now time.Time) {
	source, ticket, _, _, ok := oncall.ParseIncidentKey(act.Value)
	if !ok || a.Silences == nil {
		writeJSON(w, http.StatusOK, map[string]string{"ignored": "nothing to snooze"})
		return
	}
	s, err := silence.New(map[string]string{"source": source, "ticket": ticket}, now, now.Add(SlackSnooze),
		"snoozed in Slack", "slack:"+who, now, a.Config.Alerts.SilenceMaxDuration)
	if err == nil {
		err = a.Silences.PutSilence(r.Context(), s)
	}
	if err != nil {
		a.Log.ErrorContext(r.Context(), "slack snooze failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error", nil)
		return
	}
	a.Log.InfoContext(r.Context(), "slack snooze", "silence", s.ID, "until", s.Ends)
	writeJSON(w, http.StatusOK, map[string]string{"silence": s.ID})
}

// secrets returns the values set for credential key (e.g.
// "webhook_secret_env") of every destination of tool.
func (a *API) secrets(tool, key string) []string {
	var out []string
	for _, name := range a.Config.Integrations[tool].Secrets(key) {
		if v, ok := a.Secret(name); ok && v != "" {
			out = append(out, v)
		}
	}
	return out
}
