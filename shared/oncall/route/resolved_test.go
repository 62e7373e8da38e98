package route

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/store"
)

// sent records what reached the tool.
type sent struct{ kinds []string }

func (s *sent) Send(_ context.Context, d notify.Document) error {
	s.kinds = append(s.kinds, d.Kind)
	return nil
}

// failingDocs is a store that cannot be reached.
type failingDocs struct{ store.Docs }

func (failingDocs) PutDocIfAbsent(context.Context, string, []byte) (store.Doc, bool, error) {
	return store.Doc{}, false, errors.New("store down")
}

func TestIncidentOrder(t *testing.T) {
	clock := func(kind string) notify.Document {
		return notify.Document{Kind: kind, Source: "zendesk", TicketID: "42", Metric: "first_response"}
	}
	breach, esc, rec := clock(notify.KindBreach), clock(notify.KindEscalation), clock(notify.KindRecovered)
	digest := notify.Document{Kind: notify.KindBreachDigest, Team: "billing"}
	silent := notify.Document{Kind: notify.KindSourceSilent, Source: "zendesk"}
	back := notify.Document{Kind: notify.KindSourceBack, Source: "zendesk"}
	for _, tt := range []struct {
		name string
		in   []notify.Document
		want []string // what the tool receives, in order
	}{
		{"in order", []notify.Document{breach, esc, rec}, []string{notify.KindBreach, notify.KindEscalation, notify.KindRecovered}},
		// The escalation arrives after the recovered: the tool opens the
		// incident again, so it is resolved again at once.
		// The escalation arrives after the recovered: sent, it would open
		// a second incident; the resolve goes again instead.
		{"escalation late", []notify.Document{breach, rec, esc}, []string{notify.KindBreach, notify.KindRecovered, notify.KindRecovered}},
		// Nothing opened the incident: the breach opens it, on record, and
		// it is resolved at once; the escalation after it is not sent.
		{"recovered first", []notify.Document{rec, breach, esc}, []string{notify.KindRecovered, notify.KindBreach, notify.KindRecovered, notify.KindRecovered}},
		{"recovered twice", []notify.Document{breach, rec, rec}, []string{notify.KindBreach, notify.KindRecovered, notify.KindRecovered}},
		// A source's heartbeat key opens again after it resolved: never held.
		{"heartbeat", []notify.Document{silent, back, silent}, []string{notify.KindSourceSilent, notify.KindSourceBack, notify.KindSourceSilent}},
		{"digest", []notify.Document{digest, digest}, []string{notify.KindBreachDigest, notify.KindBreachDigest}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tool := &sent{}
			r := &incidentOrder{next: tool, docs: store.NewMemory(), tool: "pagerduty"}
			for _, d := range tt.in {
				if err := r.Send(t.Context(), d); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(tool.kinds, tt.want) {
				t.Errorf("the tool got %v, want %v", tool.kinds, tt.want)
			}
		})
	}

	// Another tool's record does not resolve this one's incident.
	mem := store.NewMemory()
	pd, og := &sent{}, &sent{}
	_ = (&incidentOrder{next: pd, docs: mem, tool: "pagerduty"}).Send(t.Context(), rec)
	_ = (&incidentOrder{next: pd, docs: mem, tool: "pagerduty"}).Send(t.Context(), breach)
	_ = (&incidentOrder{next: og, docs: mem, tool: "opsgenie"}).Send(t.Context(), breach)
	if !slices.Equal(og.kinds, []string{notify.KindBreach}) {
		t.Errorf("opsgenie got %v after pagerduty's recovered, want the breach only", og.kinds)
	}

	// A recovered that cannot be kept is not sent, and is retried.
	tool := &sent{}
	err := (&incidentOrder{next: tool, docs: failingDocs{store.NewMemory()}, tool: "pagerduty"}).Send(t.Context(), rec)
	if retry, _ := oncall.Retryable(err); err == nil || !retry || len(tool.kinds) != 0 {
		t.Errorf("store down: %v (retryable %v), sent %v; want a retryable error and nothing sent", err, retry, tool.kinds)
	}
}

// lookupFails fails every read, as a store under faults does.
type lookupFails struct {
	store.Docs
	fail bool
}

func (l *lookupFails) GetDoc(ctx context.Context, key string) (store.Doc, bool, error) {
	if l.fail {
		return store.Doc{}, false, errors.New("store down")
	}
	return l.Docs.GetDoc(ctx, key)
}

// The delivery that opened the incident fails to look for the recovered
// alert after sending; its retry finds the incident recorded and resolved
// in slawatch, and resolves it in the tool too.
func TestIncidentOrderRetryResolves(t *testing.T) {
	clock := func(kind string) notify.Document {
		return notify.Document{Kind: kind, Source: "zendesk", TicketID: "42", Metric: "first_response"}
	}
	docs := &lookupFails{Docs: store.NewMemory()}
	tool := &sent{}
	o := &incidentOrder{next: tool, docs: docs, tool: "pagerduty"}
	// The recovered is kept while the breach is on its way.
	if err := o.Send(t.Context(), clock(notify.KindRecovered)); err != nil {
		t.Fatal(err)
	}
	tool.kinds = nil
	if _, _, err := docs.PutDocIfAbsent(t.Context(), "triggered/pagerduty/slawatch/zendesk/42/first_response/0", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := o.Send(t.Context(), clock(notify.KindBreach)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tool.kinds, []string{notify.KindRecovered}) {
		t.Errorf("the retry sent %v, want the resolve only", tool.kinds)
	}
	docs.fail = true
	if err := o.Send(t.Context(), clock(notify.KindEscalation)); err == nil {
		t.Error("store down: no error")
	}
}
