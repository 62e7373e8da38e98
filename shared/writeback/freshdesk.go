package writeback

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
)

// freshdesk replies to a ticket through API v2's Create a Reply,
// POST /api/v2/tickets/{id}/reply. A reply is public: it is emailed to the
// requester. Auth is HTTP Basic with the API key as the user and "X" as
// the password.
type freshdesk struct {
	api    *api
	author int64 // user_id of the replying agent; 0: the API key's agent
}

var _ Replier = (*freshdesk)(nil)

type freshdeskReply struct {
	Body   string `json:"body"` // HTML
	UserID int64  `json:"user_id,omitempty"`
}

// Reply posts body to the ticket as a reply by the source's ack_author
// (the API key's agent when none is set).
func (f *freshdesk) Reply(ctx context.Context, ticketID, body string) error {
	id, err := ticketPath(ticketID)
	if err != nil {
		return fmt.Errorf("freshdesk: reply to ticket: %w", err)
	}
	r := freshdeskReply{Body: textHTML(body), UserID: f.author}
	if err := f.api.send(ctx, http.MethodPost, "/api/v2/tickets/"+id+"/reply", r); err != nil {
		return fmt.Errorf("freshdesk: reply to ticket %s: %w", ticketID, err)
	}
	return nil
}

// textHTML turns plain text into the HTML Freshdesk wants for a reply
// body: escaped, with each line break a <br>. Text without markup
// characters, such as the marker line "ref: slawatch:ack", stays as it is.
func textHTML(text string) string {
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text)
	return strings.ReplaceAll(html.EscapeString(text), "\n", "<br>")
}
