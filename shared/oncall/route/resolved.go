package route

import (
	"context"
	"encoding/json"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/store"
)

// incidentTools keep one incident per ticket clock that a trigger opens and
// a resolve closes: PagerDuty and Opsgenie. (Slack's message record does
// the same for Slack; Teams has no incidents.)
var incidentTools = map[string]bool{"pagerduty": true, "opsgenie": true}

// incidentOrder keeps one incident per clock, resolved once the clock
// recovered, whatever order the clock's alerts arrive in. SNS does not keep
// order and Lambda retries a failed delivery later, so a breach or an
// escalation can reach the tool after the clock's recovered: PagerDuty
// would open a second incident for the dedup key and leave it open, and
// Opsgenie would have closed nothing and then open the alert.
//
// Two records per clock in the store say what happened: "triggered/…" once
// the tool took an alert that opens or updates the incident, "resolved/…"
// (the recovered alert itself) before the resolve is sent. An alert that
// finds both is not sent, since it would open another incident: the
// resolve is sent again in its place, in case the delivery that opened the
// incident failed before resolving it. One that finds the recovered alert only (the
// recovered came first) opens the incident and resolves it at once, so
// the breach is on record. One that finds neither is sent, then looks
// again and resolves if the recovered alert was kept meanwhile. A trigger
// and a resolve racing from two deliveries therefore end resolved; at
// worst, when the trigger reached the tool after a resolve sent in the
// same instant, with a second incident, also resolved.
type incidentOrder struct {
	next oncall.Sender
	docs store.Docs
	tool string
}

func (o *incidentOrder) Send(ctx context.Context, d notify.Document) error {
	key := oncall.IncidentKey(d)
	if _, _, _, _, clock := oncall.ParseIncidentKey(key); !clock {
		return o.next.Send(ctx, d) // a digest or a source's heartbeat: its key opens again
	}
	resolvedKey, triggeredKey := "resolved/"+o.tool+"/"+key, "triggered/"+o.tool+"/"+key
	if oncall.Resolves(d) {
		b, err := json.Marshal(d)
		if err != nil {
			return &oncall.Error{Tool: o.tool, Permanent: true, Reason: "encode the recovered alert", Err: err}
		}
		if _, _, err := o.docs.PutDocIfAbsent(ctx, resolvedKey, b); err != nil {
			return o.storeError("keep the recovered alert", err)
		}
		return o.next.Send(ctx, d)
	}
	rec, resolved, err := o.recovered(ctx, resolvedKey)
	if err != nil {
		return err
	}
	if resolved {
		_, triggered, err := o.docs.GetDoc(ctx, triggeredKey)
		if err != nil {
			return o.storeError("read the incident's record", err)
		}
		if triggered {
			// Sending it would open another incident. The resolve
			// goes again instead: the delivery that opened the
			// incident may have failed before its own resolve.
			return o.next.Send(ctx, rec)
		}
	}
	if err := o.next.Send(ctx, d); err != nil {
		return err
	}
	if _, _, err := o.docs.PutDocIfAbsent(ctx, triggeredKey, []byte(`{}`)); err != nil {
		// Retried whole: the tool's de-duplication absorbs the repeat.
		return o.storeError("record the incident", err)
	}
	if !resolved {
		if rec, resolved, err = o.recovered(ctx, resolvedKey); err != nil || !resolved {
			return err
		}
	}
	return o.next.Send(ctx, rec)
}

// recovered returns the clock's recovered alert, if it was kept.
func (o *incidentOrder) recovered(ctx context.Context, key string) (notify.Document, bool, error) {
	doc, ok, err := o.docs.GetDoc(ctx, key)
	if err != nil || !ok {
		if err != nil {
			err = o.storeError("look for the recovered alert", err)
		}
		return notify.Document{}, false, err
	}
	var rec notify.Document
	if err := json.Unmarshal(doc.Data, &rec); err != nil {
		return notify.Document{}, false, &oncall.Error{Tool: o.tool, Permanent: true, Reason: "decode the kept recovered alert", Err: err}
	}
	return rec, true, nil
}

func (o *incidentOrder) storeError(op string, err error) error {
	return &oncall.Error{Tool: o.tool, Reason: "store: " + op, Err: err}
}
