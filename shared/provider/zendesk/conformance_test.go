package zendesk_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/providertest"
	"github.com/slawatch/slawatch/shared/provider/zendesk"
)

// conformance is one genuine payload — published by Zendesk or captured by
// other projects, byte for byte; testdata/genuine/SOURCES.md says where
// each comes from — and what slawatch must make of it. The expected events
// are written by hand from the payload.
type conformance struct {
	file string
	// sent is when Zendesk would have signed the request: seconds after the
	// payload's own time, so the signed timestamp is inside the window.
	sent    time.Time
	want    []event.Event
	ignored string
}

func ts(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func conformanceCases(t *testing.T) []conformance {
	return []conformance{
		{
			// Customer-created API ticket: submitter is the requester, the
			// first comment public; status and priority in upper case.
			file: "docs_ticket_created.json",
			sent: ts(t, "2025-01-08T10:12:09Z"),
			want: []event.Event{{
				Source: "zendesk", TicketID: "5158", ID: "cbe4028c-7239-495d-b020-f22348516046",
				Kind: event.TicketCreated, OccurredAt: ts(t, "2025-01-08T10:12:07.672717030Z"),
				Channel: event.API, Priority: event.Low, Status: event.Open,
				Tags: []string{"ticket-info-test-tag"}, Author: event.Customer, Public: true,
				Organization: "8447346622462", // detail.organization_id
			}},
		},
		{
			// Zendesk's answer bot (actor type system) greeting the
			// customer: a bot reply, which never stops a clock. The skinny
			// detail carries only the id, so the channel is messaging.
			file: "docs_messaging_message_added_system.json",
			sent: ts(t, "2025-02-11T14:32:06Z"),
			want: []event.Event{{
				Source: "zendesk", TicketID: "141", ID: "01JQMQH83YNAKWSWJ8B1QH2NSC",
				Kind: event.AgentReply, OccurredAt: ts(t, "2025-02-11T14:32:05.254571515Z"),
				Channel: event.Messaging, Author: event.Bot, Public: true,
			}},
		},
		{
			// Not a ticket activity slawatch tracks; null tags, priority and
			// type in the snapshot must not make it an error.
			file:    "docs_attachment_linked_to_comment.json",
			sent:    ts(t, "2025-01-14T19:31:45Z"),
			ignored: "zen:event-type:ticket.attachment_linked_to_comment is not tracked",
		},
		{
			// The private transcript comment Zendesk adds, as the end user,
			// when a messaging conversation becomes a ticket: a note, not a
			// customer message. Null priority leaves the priority unknown.
			file: "kers_comment_added_private_messaging.json",
			sent: ts(t, "2026-06-09T08:36:45Z"),
			want: []event.Event{{
				Source: "zendesk", TicketID: "71447", ID: "d8551ba3-4243-433c-8629-aa79dc3e7182",
				Kind: event.InternalNote, OccurredAt: ts(t, "2026-06-09T08:36:44.304701605Z"),
				Channel: event.Messaging, Tags: []string{"bot_chat", "not_a_reopen"},
				Author: event.Customer,
			}},
		},
		{
			// An end user's messaging message, time with milliseconds only.
			file: "kers_messaging_message_added_end_user.json",
			sent: ts(t, "2026-06-10T07:18:26Z"),
			want: []event.Event{{
				Source: "zendesk", TicketID: "71520", ID: "01KTR6B23G65XY9HMFCRX19C9A",
				Kind: event.CustomerMessage, OccurredAt: ts(t, "2026-06-10T07:18:24.265Z"),
				Channel: event.Messaging, Author: event.Customer, Public: true,
			}},
		},
	}
}

// TestConformance signs every genuine payload as Zendesk does, at a time
// just after the payload's own, then verifies and parses it.
func TestConformance(t *testing.T) {
	secret := []byte("zendesk-conformance-secret")
	for _, tt := range conformanceCases(t) {
		t.Run(tt.file, func(t *testing.T) {
			r := provider.Request{Method: http.MethodPost, URL: "https://slawatch.example.com/webhooks/zendesk",
				Body: providertest.Genuine(t, tt.file)}
			s := provider.Settings{Source: "zendesk", Secret: secret, Window: provider.DefaultWindow,
				Now: func() time.Time { return tt.sent.Add(2 * time.Second) }}
			res := providertest.Parsed(t, zendesk.Adapter{}, providertest.SignAs("zendesk", secret, tt.sent), r, s)
			// None of these payloads is a human agent's public reply.
			providertest.CheckResult(t, res, tt.want, tt.ignored, false)
		})
	}
}

// TestConformanceCoversEveryFile keeps a payload dropped into
// testdata/genuine from going untested or without provenance, and the
// table from naming files that are not there.
func TestConformanceCoversEveryFile(t *testing.T) {
	var files []string
	for _, c := range conformanceCases(t) {
		files = append(files, c.file)
	}
	providertest.CheckCorpus(t, providertest.GenuineDir, files)
}
