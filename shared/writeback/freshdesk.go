package writeback

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/slawatch/slawatch/shared/provider"
)

// freshdesk replies to a ticket through API v2's Create a Reply,
// POST /api/v2/tickets/{id}/reply. A reply is public: it is emailed to the
// requester. Auth is HTTP Basic with the API key as the user and "X" as
// the password.
type freshdesk struct {
	api    *api
	author int64 // user_id of the replying agent: the source's ack_author
}

var _ Replier = (*freshdesk)(nil)

type freshdeskReply struct {
	Body   string `json:"body"` // HTML
	UserID int64  `json:"user_id"`
}

// Reply posts body to the ticket as a reply by the source's ack_author
// (user_id, "ID of the agent who is adding the note" in Freshdesk's Create a
// Reply), as HTML with the hidden marker (see htmlBody). Freshdesk's rule
// webhooks have no placeholder for who replied, so the marker in the
// reply's {{ticket.latest_public_comment}} is what recognises the echo.
func (f *freshdesk) Reply(ctx context.Context, ticketID, body string) error {
	id, err := ticketPath(ticketID)
	if err != nil {
		return fmt.Errorf("freshdesk: reply to ticket: %w", err)
	}
	r := freshdeskReply{Body: htmlBody(body), UserID: f.author}
	if err := f.api.send(ctx, http.MethodPost, "/api/v2/tickets/"+id+"/reply", r); err != nil {
		return fmt.Errorf("freshdesk: reply to ticket %s: %w", ticketID, err)
	}
	return nil
}

// htmlBody turns the acknowledgement's plain text into the HTML body both
// helpdesks take: escaped, each line break a <br>, then the marker as an
// HTML comment (provider.AckMarkerHTML) that neither the helpdesk nor the
// customer's mail client displays. The text is one line of HTML, and the
// marker on a line of its own after it, so no quoted-text rule in
// provider.IsAck (a line starting with ">", an "On … wrote:" header) can
// hide the marker.
func htmlBody(text string) string {
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text)
	return strings.ReplaceAll(html.EscapeString(text), "\n", "<br>") + "\n" + provider.AckMarkerHTML
}
