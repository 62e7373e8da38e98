package front_test

import (
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/front"
	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// TestConformance runs every genuine Front payload (testdata/genuine, see
// SOURCES.md there) through Verify and Parse. The published bodies are bare
// event objects, which is what a rule webhook sends, so each is signed at
// test time as Front signs a rule webhook (base64 HMAC-SHA1 of the body; no
// time is signed). Expected values are read off the payloads by hand; the
// domain is that of conversation.recipient.handle (calculon@momsbot.com,
// or team@frontapp.com in the older captures).
func TestConformance(t *testing.T) {
	tests := []struct {
		file    string
		want    []event.Event
		ignored string
	}{
		// A customer's e-mail; Zulip's copy has conversation id "2x9c5v".
		{file: "zulip-inbound_message.json", want: []event.Event{{
			Domain: "momsbot.com", TicketID: "2x9c5v", ID: "evt_28duo2q", Kind: event.CustomerMessage, OccurredAt: time.Unix(1518309200, 0).UTC(),
			Channel: event.Email, Tags: []string{}, Author: event.Customer,
		}}},
		// The same e-mail as Front sent it (emitted_at a whole number).
		{file: "zulip-inbound.json", want: []event.Event{{
			Domain: "momsbot.com", TicketID: "cnv_keocka", ID: "evt_28duo2q", Kind: event.CustomerMessage, OccurredAt: time.Unix(1518309200, 0).UTC(),
			Channel: event.Email, Tags: []string{}, Author: event.Customer,
		}}},

		// Leela's e-mail reply on the tagged conversation.
		{file: "zulip-outbound_reply.json", want: []event.Event{{
			Domain: "momsbot.com", TicketID: "cnv_keocka", ID: "evt_28duq42", Kind: event.AgentReply, OccurredAt: time.UnixMilli(1518309342896).UTC(),
			Channel: event.Email, Public: true, Tags: []string{"Urgent"}, Author: event.Agent,
		}}},
		// A teammate's reply "hiii....", whose HTML body quotes the
		// customer's whole message.
		{file: "zulip-outreply.json", want: []event.Event{{
			Domain: "frontapp.com", TicketID: "cnv_a73yq9", ID: "evt_11b2d0h", Kind: event.AgentReply, OccurredAt: time.UnixMilli(1509004406491).UTC(),
			Channel: event.Email, Public: true, Tags: []string{}, Author: event.Agent,
		}}},
		// Leela starts a conversation with a customer.
		{file: "zulip-outbound_message.json", want: []event.Event{{
			Domain: "momsbot.com", TicketID: "cnv_keo696", ID: "evt_28du6wi", Kind: event.TicketCreated, OccurredAt: time.UnixMilli(1518307909541).UTC(),
			Channel: event.Email, Public: true, Tags: []string{}, Author: event.Agent,
		}}},

		// Bender's internal comment "Sure.".
		{file: "zulip-comment.json", want: []event.Event{{
			Domain: "momsbot.com", TicketID: "cnv_keocka", ID: "evt_28duvr6", Kind: event.InternalNote, OccurredAt: time.UnixMilli(1518309749673).UTC(),
			Tags: []string{}, Author: event.Agent,
		}}},
		// An @mention in a comment arrives as its own event type, which
		// slawatch does not track (see the package doc).
		{file: "zulip-mention.json", ignored: `front event "mention" is not tracked`},

		{file: "zulip-archive.json", want: []event.Event{{
			Domain: "frontapp.com", TicketID: "cnv_a73yqx", ID: "evt_11aqjdt", Kind: event.StatusChanged, Status: event.Solved,
			OccurredAt: time.UnixMilli(1509001146525).UTC(), Tags: []string{},
		}}},
		// One archive event in two Zulip copies: source a teammate, and
		// source {"_meta": {"type": "gmail"}, "data": null}.
		{file: "zulip-conversation_archived.json", want: []event.Event{{
			Domain: "momsbot.com", TicketID: "cnv_keo696", ID: "evt_28du7y2", Kind: event.StatusChanged, Status: event.Solved,
			OccurredAt: time.UnixMilli(1518307966678).UTC(), Tags: []string{},
		}}},
		{file: "zulip-gmail.json", want: []event.Event{{
			Domain: "momsbot.com", TicketID: "cnv_keo696", ID: "evt_28du7y2", Kind: event.StatusChanged, Status: event.Solved,
			OccurredAt: time.UnixMilli(1518307966678).UTC(), Tags: []string{},
		}}},
		{file: "zulip-reopen.json", want: []event.Event{{
			Domain: "frontapp.com", TicketID: "cnv_a73yq9", ID: "evt_11b11v5", Kind: event.StatusChanged, Status: event.Open,
			OccurredAt: time.UnixMilli(1509004087285).UTC(), Tags: []string{},
		}}},
		{file: "zulip-conversation_reopened.json", want: []event.Event{{
			Domain: "momsbot.com", TicketID: "cnv_keo696", ID: "evt_28du836", Kind: event.StatusChanged, Status: event.Open,
			OccurredAt: time.UnixMilli(1518307972956).UTC(), Tags: []string{},
		}}},
		{file: "zulip-5_conversation_deleted.json", want: []event.Event{{
			Domain: "momsbot.com", TicketID: "cnv_keo696", ID: "evt_28du84i", Kind: event.StatusChanged, Status: event.Closed,
			OccurredAt: time.UnixMilli(1518307977111).UTC(), Tags: []string{},
		}}},
		{file: "zulip-conversation_restored.json", want: []event.Event{{
			Domain: "momsbot.com", TicketID: "cnv_keo696", ID: "evt_28du86a", Kind: event.StatusChanged, Status: event.Open,
			OccurredAt: time.UnixMilli(1518307981377).UTC(), Tags: []string{},
		}}},

		// The conversation's tags already include "Urgent" in the tag
		// event and lack it in the untag event: Front's snapshot is taken
		// after the change.
		{file: "zulip-tag.json", want: []event.Event{{
			Domain: "frontapp.com", TicketID: "cnv_a73yu9", ID: "evt_11b4jsx", Kind: event.TagsChanged,
			OccurredAt: time.UnixMilli(1509004925346).UTC(), Tags: []string{"Urgent"},
		}}},
		{file: "zulip-untag.json", want: []event.Event{{
			Domain: "frontapp.com", TicketID: "cnv_a73yu9", ID: "evt_11b4ay1", Kind: event.TagsChanged,
			OccurredAt: time.UnixMilli(1509004867504).UTC(), Tags: []string{},
		}}},

		// An assignment made by a rule: untracked, and the one published
		// event whose source._meta.type is "rule".
		{file: "zulip-rule.json", ignored: `front event "assign" is not tracked`},
	}

	// A rule webhook signs the body alone, with the API secret.
	signRule := func(r *provider.Request) error {
		r.Header.Set(front.SignatureHeader, front.SignRule([]byte(ruleSecret), r.Body))
		return nil
	}
	var files []string
	for _, tt := range tests {
		files = append(files, tt.file)
		t.Run(tt.file, func(t *testing.T) {
			r := provider.Request{Method: "POST", URL: "https://slawatch.example/webhooks/front",
				Header: ruleHeader(""), Body: providertest.Genuine(t, tt.file)}
			res := providertest.Parsed(t, front.Adapter{}, signRule, r, settings(ruleSecret))
			if res.Ignored != tt.ignored || res.Reply != nil {
				t.Fatalf("Ignored = %q, Reply = %v; want ignored %q", res.Ignored, res.Reply, tt.ignored)
			}
			for i := range tt.want {
				tt.want[i].Source = "front"
			}
			providertest.CheckEvents(t, res.Events, tt.want)
		})
	}
	providertest.CheckCorpus(t, providertest.GenuineDir, files)
}
