package intercom_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/intercom"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// TestConformance runs every payload Intercom itself published
// (testdata/genuine, provenance in SOURCES.md) through Verify and Parse, as
// sent: only the signature is made here. The expected events were written by
// hand from each payload and the mapping in the package comment.
func TestConformance(t *testing.T) {
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const conv = "4584686769" // the conversation of Intercom's archived samples
	tests := []struct {
		file    string
		want    []event.Event
		counts  bool // whether the event ends a response clock
		ignored string
	}{
		// API 1.x conversations have no source: the topic says the
		// customer started it, and the channel is left unstated.
		{file: "archive_conversation_user_created.json", want: []event.Event{{
			Source: source, TicketID: conv, ID: "notif_480fa0f0-070a-11e6-b031-1b282118ed92", Kind: event.TicketCreated,
			OccurredAt: utc("2016-04-20T15:12:21Z"), Author: event.Customer,
		}}},
		// Times as strings of digits, as this SDK fixture sends them.
		{file: "python-intercom_conversation_user_created.json", want: []event.Event{{
			Source: source, TicketID: "123456789", ID: "notif_123456-56465-546546", Kind: event.TicketCreated,
			OccurredAt: utc("2014-09-10T07:48:13Z"), Author: event.Customer,
			Domain: "bill.bill", // data.item.user.email, bill@bill.bill
		}}},
		{file: "archive_conversation_user_replied.json", want: []event.Event{{
			Source: source, TicketID: conv, ID: "notif_5ea55620-070a-11e6-a52e-73634a395e93", Kind: event.CustomerMessage,
			OccurredAt: utc("2016-04-20T15:12:59Z"), Author: event.Customer,
		}}},
		{file: "archive_conversation_admin_replied.json", counts: true, want: []event.Event{{
			Source: source, TicketID: conv, ID: "notif_67fe3840-070a-11e6-a3da-a5e2beb40c14", Kind: event.AgentReply,
			OccurredAt: utc("2016-04-20T15:13:15Z"), Author: event.Agent, Public: true,
		}}},
		{file: "archive_conversation_admin_noted.json", want: []event.Event{{
			Source: source, TicketID: conv, ID: "notif_5a3551d0-070a-11e6-a3da-a5e2beb40c14", Kind: event.InternalNote,
			OccurredAt: utc("2016-04-20T15:12:52Z"), Author: event.Agent,
		}}},
		// Close and open parts carry no message: the notification's time.
		{file: "archive_conversation_admin_closed.json", want: []event.Event{{
			Source: source, TicketID: conv, ID: "notif_70ff3660-070a-11e6-a507-3d022cab75f8", Kind: event.StatusChanged,
			OccurredAt: utc("2016-04-20T15:13:30Z"), Status: event.Solved,
		}}},
		{file: "archive_conversation_admin_opened.json", want: []event.Event{{
			Source: source, TicketID: conv, ID: "notif_799c69a0-070a-11e6-b031-1b282118ed92", Kind: event.StatusChanged,
			OccurredAt: utc("2016-04-20T15:13:45Z"), Status: event.Open,
		}}},
		// An assignment, even one sent with a reply, is not tracked: the
		// reply itself comes on conversation.admin.replied.
		{file: "archive_conversation_admin_assigned.json", ignored: "conversation.admin.assigned is not tracked"},
		{file: "archive_conversation_admin_assigned_with_reply.json", ignored: "conversation.admin.assigned is not tracked"},
	}

	secret := []byte("intercom-client-secret")
	var files []string
	for _, tt := range tests {
		files = append(files, tt.file)
		t.Run(tt.file, func(t *testing.T) {
			r := provider.Request{Method: http.MethodPost, URL: "https://slawatch.example.com/webhooks/intercom",
				Body: providertest.Genuine(t, tt.file)}
			s := provider.Settings{Source: source, Secret: secret}
			res := providertest.Parsed(t, intercom.Adapter{}, providertest.SignAs("intercom", secret, time.Now()), r, s)
			providertest.CheckResult(t, res, tt.want, tt.ignored, tt.counts)
		})
	}
	providertest.CheckCorpus(t, providertest.GenuineDir, files)
}
