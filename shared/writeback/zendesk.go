package writeback

import (
	"context"
	"fmt"
	"net/http"
)

// zendesk adds a public comment to a ticket through the Tickets API:
// comments are created by updating the ticket with a comment object,
// PUT /api/v2/tickets/{id}.json. Auth is HTTP Basic with
// "{email}/token" as the user and the API token as the password.
type zendesk struct {
	api    *api
	author int64 // comment author_id: the source's ack_author
}

var _ Replier = (*zendesk)(nil)

type zendeskComment struct {
	// HTMLBody rather than body, so the marker can be an HTML comment
	// the customer never sees.
	HTMLBody string `json:"html_body"`
	Public   bool   `json:"public"`
	AuthorID int64  `json:"author_id"`
}

type zendeskUpdate struct {
	Ticket struct {
		Comment zendeskComment `json:"comment"`
	} `json:"ticket"`
}

// Reply adds body to the ticket as a public comment by the source's
// ack_author, as HTML with the hidden marker (see htmlBody). Zendesk's
// webhooks give the comment's author (event subscriptions: author.id;
// triggers: the actor field), which is how the echo is recognised: their
// comment body is plain text, where an HTML comment does not survive.
func (z *zendesk) Reply(ctx context.Context, ticketID, body string) error {
	id, err := ticketPath(ticketID)
	if err != nil {
		return fmt.Errorf("zendesk: reply to ticket: %w", err)
	}
	var u zendeskUpdate
	u.Ticket.Comment = zendeskComment{HTMLBody: htmlBody(body), Public: true, AuthorID: z.author}
	if err := z.api.send(ctx, http.MethodPut, "/api/v2/tickets/"+id+".json", u); err != nil {
		return fmt.Errorf("zendesk: reply to ticket %s: %w", ticketID, err)
	}
	return nil
}
