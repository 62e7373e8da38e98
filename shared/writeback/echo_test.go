package writeback_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/ack"
	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// htmlComment matches what a browser or mail client does not display.
var htmlComment = regexp.MustCompile(`(?s)<!--.*?-->`)

// The acknowledgement a customer reads through write-back shows no marker,
// in both template classes and on both helpdesks; its echo is still
// recognised (by the author, and by the hidden marker in the raw body), and
// an agent's reply quoting it still counts as the team's response.
func TestWriteBackEcho(t *testing.T) {
	data := ack.Data{Promise: "by Monday 11:00 (EST)", PromisedBy: time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC),
		ClosedNow: true, OpensAt: "Monday 09:00 EST", TeamName: "Acme Support", TicketID: "4711"}
	const zendeskAuthor, freshdeskAgent, colleague = "1900000001", "501003979303", "1900000077"
	for _, ch := range []event.Channel{event.Email, event.SMS} {
		text, err := ack.Default().Render(ch, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, desk := range []struct {
			name, author string
			post         func(t *testing.T) string // the body the helpdesk received
		}{
			{"zendesk", zendeskAuthor, func(t *testing.T) string {
				api := newZendeskAPI()
				if err := zendeskReplier(t, serve(t, api), zendeskAuthor).Reply(context.Background(), "4711", text); err != nil {
					t.Fatal(err)
				}
				got, _, _ := api.last(t)
				return *got.Ticket.Comment.HTMLBody
			}},
			{"freshdesk", freshdeskAgent, func(t *testing.T) string {
				api := newFreshdeskAPI()
				if err := freshdeskReplier(t, serve(t, api), freshdeskAgent).Reply(context.Background(), "4711", text); err != nil {
					t.Fatal(err)
				}
				got, _, _ := api.last(t)
				return *got.Body
			}},
		} {
			t.Run(string(ch)+"/"+desk.name, func(t *testing.T) {
				raw := desk.post(t)
				shown := htmlComment.ReplaceAllString(raw, "")
				if strings.Contains(shown, provider.AckMarker) || strings.Contains(shown, "ref:") {
					t.Errorf("the customer reads a marker: %q", shown)
				}
				if !strings.Contains(shown, data.Promise) {
					t.Errorf("the promise is not shown: %q", shown)
				}
				s := provider.Settings{AckAuthor: desk.author}
				// The echo: the raw HTML body (Freshdesk's comment
				// placeholder), or plain text by the author (Zendesk's
				// comment.body, where no HTML comment survives).
				if !provider.IsAck(provider.Settings{}, "", raw) {
					t.Errorf("the raw body's hidden marker is not recognised: %q", raw)
				}
				if !provider.IsAck(s, desk.author, text) {
					t.Errorf("the echo by ack_author %s is not recognised", desk.author)
				}
				// A colleague's reply quoting the acknowledgement is an answer.
				quotedHTML := "<p>Sorted: the refund is on its way.</p><blockquote>" + raw + "</blockquote>"
				quotedText := "Sorted: the refund is on its way.\n\nOn Mon, 23 Nov 2026 at 09:01, Acme Support wrote:\n> " +
					strings.ReplaceAll(text, "\n", "\n> ")
				for _, body := range []string{quotedHTML, quotedText} {
					if provider.IsAck(s, colleague, body) {
						t.Errorf("a reply quoting the acknowledgement was taken for it: %q", body)
					}
				}
			})
		}
	}
}
