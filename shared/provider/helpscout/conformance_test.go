package helpscout_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/helpscout"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// conformance is one genuine body — a Help Scout conversation captured from
// a live account by another project; testdata/genuine/SOURCES.md says where
// each comes from and what was changed — the X-HelpScout-Event it is sent
// with, and what slawatch must make of it. The expected events are written
// by hand from the body.
type conformance struct {
	file    string
	event   string
	want    []event.Event
	counts  bool // whether the event ends a response clock
	ignored string
}

func conformanceCases(t *testing.T) []conformance {
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return []conformance{
		{
			// A real convo.created delivery: the customer's email, one
			// customer thread, an empty tag list (not "unchanged").
			file: "lightward_convo_created.json", event: "convo.created",
			want: []event.Event{{
				Source: source, TicketID: "2612287955", ID: provider.SynthID("convo.created", "2612287955"),
				Kind: event.TicketCreated, OccurredAt: utc("2024-05-30T21:53:28Z"),
				Channel: event.Email, Tags: []string{}, Author: event.Customer,
				Domain: "lightward.com", // primaryCustomer.email
			}},
		},
		{
			// Closed by an agent: the newest thread that set "closed" is
			// the line item at 16:58:07, which also equals closedAt. The
			// three agent replies sent with "closed" earlier are older.
			file: "lightward_api_convo_closed.json", event: "convo.status",
			want: []event.Event{{
				Source: source, TicketID: "2611356506",
				ID:   provider.SynthID("convo.status", "2611356506", "solved", "2024-06-01T16:58:07Z"),
				Kind: event.StatusChanged, OccurredAt: utc("2024-06-01T16:58:07Z"),
				Channel: event.Email, Tags: []string{}, Status: event.Solved,
			}},
		},
		{
			// Threads listed oldest first, two agent drafts among them;
			// the customer's newest email (16:59:08) is the message and
			// its thread status "active" reopens.
			file: "lightward_api_convo_drafts.json", event: "convo.customer.reply.created",
			want: []event.Event{{
				Source: source, TicketID: "2621971541",
				ID:   provider.SynthID("convo.customer.reply.created", "2621971541", "7901078617"),
				Kind: event.CustomerMessage, OccurredAt: utc("2024-06-14T16:59:08Z"),
				Channel: event.Email, Tags: []string{}, Author: event.Customer, Status: event.Open,
			}},
		},
		{
			// A Beacon conversation: source.type "beacon-v2", so written on
			// the web. The newest note was added through the API by a user.
			file: "lightward_api_convo_beacon.json", event: "convo.note.created",
			want: []event.Event{{
				Source: source, TicketID: "2631858367",
				ID:   provider.SynthID("convo.note.created", "2631858367", "7920027844"),
				Kind: event.InternalNote, OccurredAt: utc("2024-06-21T16:23:36Z"),
				Channel: event.Web, Tags: []string{}, Author: event.Agent, Status: event.Open,
			}},
		},
	}
}

// TestConformance signs every genuine body as Help Scout does and sends
// it with its event header, then verifies and parses it.
func TestConformance(t *testing.T) {
	secret := []byte("helpscout-conformance-secret")
	for _, tt := range conformanceCases(t) {
		t.Run(tt.file+"/"+tt.event, func(t *testing.T) {
			h := http.Header{}
			h.Set(helpscout.EventHeader, tt.event)
			r := provider.Request{Method: http.MethodPost, URL: "https://slawatch.example.com/webhooks/helpscout",
				Header: h, Body: providertest.Genuine(t, tt.file)}
			s := provider.Settings{Source: source, Secret: secret}
			res := providertest.Parsed(t, helpscout.Adapter{}, providertest.SignAs("helpscout", secret, time.Now()), r, s)
			providertest.CheckResult(t, res, tt.want, tt.ignored, tt.counts)
		})
	}
}

// TestConformanceCoversEveryFile keeps a body dropped into testdata/genuine
// from going untested, and every body's provenance recorded. A body sent
// with several event headers is one file.
func TestConformanceCoversEveryFile(t *testing.T) {
	var files []string
	for _, c := range conformanceCases(t) {
		if !slices.Contains(files, c.file) {
			files = append(files, c.file)
		}
	}
	providertest.CheckCorpus(t, providertest.GenuineDir, files)
}
