package freshdesk_test

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/freshdesk"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// conformance is one genuine body — a Freshdesk webhook body captured by
// other projects, byte for byte; testdata/genuine/SOURCES.md says where
// each comes from — and what slawatch must make of it, written by hand
// from the body.
type conformance struct {
	file string
	// As published: the ParseError's field, or the Ignored reason.
	field, ignored string
	// Rendered {{ticket.modified_on}}, which slawatch's rule body adds and
	// these bodies lack, inserted at test time to check how the rest of the
	// body maps; want is the result, or ignoredRendered the reason.
	modifiedOn      string
	want            []event.Event
	ignoredRendered string
}

const modifiedOn = "2026-11-23 09:05:12 UTC"

var modifiedAt = time.Date(2026, 11, 23, 9, 5, 12, 0, time.UTC)

// Every body names its requester "requester-bob@example.com": the events
// carry the domain, example.com, and never the address.
var conformanceCases = []conformance{
	{
		// {{triggered_event}} renders {ticket_action:created}; the status
		// at creation is Pending, and no source is sent.
		file: "zulip_ticket_created.json", field: "freshdesk_webhook.ticket_updated_at", modifiedOn: modifiedOn,
		want: []event.Event{{Source: "freshdesk", TicketID: "11", Kind: event.TicketCreated, OccurredAt: modifiedAt, Domain: "example.com",
			Priority: event.High, Status: event.Pending, Author: event.Customer, Public: true}},
	},
	{
		file: "zulip_inline_images.json", field: "freshdesk_webhook.ticket_updated_at", modifiedOn: modifiedOn,
		want: []event.Event{{Source: "freshdesk", TicketID: "12", Kind: event.TicketCreated, OccurredAt: modifiedAt, Domain: "example.com",
			Priority: event.Urgent, Status: event.Open, Author: event.Customer, Public: true}},
	},
	{
		// {status:{from:4,to:6}}: to the custom status 6, rendered by name
		// as "Waiting on Customer", which pauses like Pending.
		file: "zulip_status_changed.json", field: "freshdesk_webhook.ticket_updated_at", modifiedOn: modifiedOn,
		want: []event.Event{{Source: "freshdesk", TicketID: "11", Kind: event.StatusChanged, OccurredAt: modifiedAt, Domain: "example.com",
			Priority: event.Low, Status: event.Pending}},
	},
	{
		// {priority:{from:3,to:1}}: High to Low, rendered by name.
		file: "zulip_priority_changed.json", field: "freshdesk_webhook.ticket_updated_at", modifiedOn: modifiedOn,
		want: []event.Event{{Source: "freshdesk", TicketID: "11", Kind: event.PriorityChanged, OccurredAt: modifiedAt, Domain: "example.com",
			Priority: event.Low}},
	},
	{
		file: "zulip_private_note.json", field: "freshdesk_webhook.ticket_updated_at", modifiedOn: modifiedOn,
		want: []event.Event{{Source: "freshdesk", TicketID: "11", Kind: event.InternalNote, OccurredAt: modifiedAt, Domain: "example.com",
			Priority: event.Normal, Author: event.Agent}},
	},
	{
		// A public note counts as a response, as in Freshdesk's own metric.
		file: "zulip_public_note.json", field: "freshdesk_webhook.ticket_updated_at", modifiedOn: modifiedOn,
		want: []event.Event{{Source: "freshdesk", TicketID: "11", Kind: event.AgentReply, OccurredAt: modifiedAt, Domain: "example.com",
			Priority: event.Normal, Author: event.Agent, Public: true}},
	},
	{
		// An event Freshdesk may add later is ignored, with or without a time.
		file:       "zulip_unknown_payload.json",
		ignored:    `freshdesk event "triggered_event {unknown_event:{from:3,to:1}}" is not tracked`,
		modifiedOn: modifiedOn, ignoredRendered: `freshdesk event "triggered_event {unknown_event:{from:3,to:1}}" is not tracked`,
	},
	{
		// Neither a rule event nor {{triggered_event}}: nothing says what
		// happened.
		file: "zulip_status_changed_missing_key.json", field: "freshdesk_webhook.event",
	},
}

// TestConformance sends every genuine body with the credentials a
// Freshdesk rule sends (the secret as the Basic-auth password), then
// verifies and parses it as published and, where it lacks the update time,
// with {{ticket.modified_on}} rendered into it.
func TestConformance(t *testing.T) {
	secret := []byte("freshdesk-conformance-secret")
	s := provider.Settings{Source: "freshdesk", Secret: secret, Window: provider.DefaultWindow,
		Now: func() time.Time { return modifiedAt.Add(time.Minute) }}
	ids := map[string]string{}
	for _, tt := range conformanceCases {
		t.Run(tt.file, func(t *testing.T) {
			body := providertest.Genuine(t, tt.file)
			parse := func(body []byte) (provider.Result, error) {
				t.Helper()
				r := provider.Request{Method: http.MethodPost, URL: "https://slawatch.example.com/webhooks/freshdesk", Body: body}
				return providertest.Deliver(t, freshdesk.Adapter{}, providertest.SignAs("freshdesk", secret, modifiedAt), r, s)
			}

			res, err := parse(body)
			if tt.field != "" {
				var pe *provider.ParseError
				if !errors.As(err, &pe) || pe.Field != tt.field {
					t.Errorf("as published: Parse = %+v, %v; want a ParseError naming %s", res, err, tt.field)
				}
			} else if err != nil || res.Ignored != tt.ignored || res.Events != nil {
				t.Errorf("as published: Parse = %+v, %v; want ignored %q", res, err, tt.ignored)
			}
			if tt.modifiedOn == "" {
				return
			}

			rendered := strings.Replace(string(body), `"ticket_id"`, `"ticket_updated_at":"`+tt.modifiedOn+`","ticket_id"`, 1)
			res, err = parse([]byte(rendered))
			if err != nil {
				t.Fatalf("with ticket_updated_at: Parse: %v", err)
			}
			if res.Ignored != tt.ignoredRendered {
				t.Errorf("with ticket_updated_at: Ignored = %q, want %q", res.Ignored, tt.ignoredRendered)
			}
			// Freshdesk sends no event id: check the synthesized one apart,
			// as stable across a retry and distinct between bodies.
			got := slices.Clone(res.Events)
			for i := range got {
				if !strings.HasPrefix(got[i].ID, "syn-") {
					t.Errorf("event id %q is not synthesized", got[i].ID)
				}
				if other, ok := ids[got[i].ID]; ok {
					t.Errorf("event id %s is also %s's", got[i].ID, other)
				}
				ids[got[i].ID] = tt.file
				got[i].ID = ""
				if err := res.Events[i].Validate(); err != nil {
					t.Errorf("invalid event: %v", err)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("with ticket_updated_at: events:\n got %+v\nwant %+v", got, tt.want)
			}
			again, err := parse([]byte(rendered))
			if err != nil || !reflect.DeepEqual(again.Events, res.Events) {
				t.Errorf("a retry of the same body parses to %+v, %v; want %+v", again.Events, err, res.Events)
			}
		})
	}
}

// TestConformanceCoversEveryFile keeps a body dropped into testdata/genuine
// from going untested or without provenance, and the table from naming
// files that are not there.
func TestConformanceCoversEveryFile(t *testing.T) {
	var files []string
	for _, c := range conformanceCases {
		files = append(files, c.file)
	}
	providertest.CheckCorpus(t, providertest.GenuineDir, files)
}
