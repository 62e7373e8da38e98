// Package github verifies and parses GitHub webhooks for issues, treating
// each issue as a support ticket.
//
// Signature: X-Hub-Signature-256: sha256=<hex HMAC-SHA256(webhook secret,
// raw body)>. GitHub signs no timestamp; replays are absorbed by the
// idempotency key, X-GitHub-Delivery (kept on manual redelivery).
//
// X-GitHub-Event picks the mapping:
//
//   - ping → answered 200;
//   - issues opened → ticket_created (by an agent when the author's
//     author_association is OWNER, MEMBER or COLLABORATOR, by a bot for bot
//     accounts, else by the customer), with the labels as tags and the
//     priority read from them; closed → status solved (closed when GitHub
//     says not_planned or duplicate); reopened → open; labeled / unlabeled →
//     tags_changed with the issue's full label set and the priority read
//     from it;
//   - issue_comment created → agent_reply (OWNER / MEMBER / COLLABORATOR),
//     a bot reply (user.type Bot or a "[bot]" login) or customer_message;
//     comments on pull requests are ignored;
//   - every other event and action is ignored.
//
// Ticket ids are "<owner>/<repo>#<number>": issue numbers alone collide
// across repositories. See docs/helpdesks/github.md.
package github

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// Headers GitHub sets on every delivery.
const (
	SignatureHeader = "X-Hub-Signature-256"
	EventHeader     = "X-GitHub-Event"
	DeliveryHeader  = "X-GitHub-Delivery"
)

// Adapter is the GitHub provider.
type Adapter struct{}

var _ provider.Adapter = Adapter{}

var signature = provider.Signature{Header: SignatureHeader, Prefix: "sha256=", Hash: provider.SHA256, Encoding: provider.Hex}

// Sign returns the X-Hub-Signature-256 value for body; tests use it.
func Sign(secret, body []byte) string { return signature.Sign(secret, body) }

// Verify checks X-Hub-Signature-256 over the raw body in constant time.
func (Adapter) Verify(r provider.Request, s provider.Settings) error {
	return signature.Verify(r.Header, s.Secret, r.Body)
}

type user struct {
	Login string `json:"login"`
	ID    int64  `json:"id"`
	Type  string `json:"type"`
}

type label struct {
	Name string `json:"name"`
}

type issue struct {
	Number            int64           `json:"number"`
	User              user            `json:"user"`
	Labels            []label         `json:"labels"`
	StateReason       string          `json:"state_reason"`
	AuthorAssociation string          `json:"author_association"`
	CreatedAt         string          `json:"created_at"`
	UpdatedAt         string          `json:"updated_at"`
	ClosedAt          string          `json:"closed_at"`
	PullRequest       json.RawMessage `json:"pull_request"`
	ViaApp            json.RawMessage `json:"performed_via_github_app"`
}

type comment struct {
	ID                int64  `json:"id"`
	User              user   `json:"user"`
	AuthorAssociation string `json:"author_association"`
	Body              string `json:"body"`
	CreatedAt         string `json:"created_at"`
}

type payload struct {
	Action     string   `json:"action"`
	Issue      *issue   `json:"issue"`
	Comment    *comment `json:"comment"`
	Label      *label   `json:"label"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

// Parse maps one delivery to at most one event.
func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	name := strings.TrimSpace(r.Header.Get(EventHeader))
	switch name {
	case "":
		return provider.Result{}, &provider.ParseError{Field: EventHeader, Err: errors.New("header required")}
	case "ping":
		// GitHub sends a ping when the webhook is created; a 200 marks the
		// hook as working.
		return provider.Result{Reply: &provider.Reply{Status: 200, ContentType: "application/json", Body: []byte(`{"ok":true}` + "\n")}}, nil
	case "issues", "issue_comment":
	default:
		return provider.Ignore("%s is not tracked", name), nil
	}

	var p payload
	if err := provider.DecodeJSON(r.Body, &p, false); err != nil {
		return provider.Result{}, err
	}
	switch {
	case p.Action == "":
		return provider.Result{}, provider.Missing("action")
	case p.Issue == nil:
		return provider.Result{}, provider.Missing("issue")
	case present(p.Issue.PullRequest):
		return provider.Ignore("%s on a pull request is not tracked", name), nil
	}

	e := event.Event{Source: s.Source}
	var err error
	switch name + "." + p.Action {
	case "issues.opened":
		e.Kind, e.Public = event.TicketCreated, true
		e.Author = role(p.Issue.User, p.Issue.AuthorAssociation)
		e.Channel = event.Web
		if present(p.Issue.ViaApp) {
			e.Channel = event.API // opened through a GitHub App
		}
		e.Tags = labelNames(p.Issue.Labels)
		e.Priority, _ = highestPriority(e.Tags)
		e.OccurredAt, err = provider.ParseTime("issue.created_at", p.Issue.CreatedAt)
	case "issues.closed":
		e.Kind, e.Status = event.StatusChanged, event.Solved
		if r := p.Issue.StateReason; r == "not_planned" || r == "duplicate" {
			e.Status = event.Closed // closed without being resolved
		}
		if p.Issue.ClosedAt != "" {
			e.OccurredAt, err = provider.ParseTime("issue.closed_at", p.Issue.ClosedAt)
		} else {
			e.OccurredAt, err = provider.ParseTime("issue.updated_at", p.Issue.UpdatedAt)
		}
	case "issues.reopened":
		e.Kind, e.Status = event.StatusChanged, event.Open
		e.OccurredAt, err = provider.ParseTime("issue.updated_at", p.Issue.UpdatedAt)
	case "issues.labeled", "issues.unlabeled":
		e.Kind = event.TagsChanged
		e.Tags = labelNames(p.Issue.Labels)
		var found bool
		if e.Priority, found = highestPriority(e.Tags); !found && p.Label != nil {
			if _, ok := labelPriority(p.Label.Name); ok {
				// The last priority label went: back to the default.
				e.Priority = event.Normal
			}
		}
		e.OccurredAt, err = provider.ParseTime("issue.updated_at", p.Issue.UpdatedAt)
	case "issue_comment.created":
		c := p.Comment
		if c == nil {
			return provider.Result{}, provider.Missing("comment")
		}
		e.Public = true
		switch e.Author = role(c.User, c.AuthorAssociation); e.Author {
		case event.Customer:
			e.Kind = event.CustomerMessage
		default:
			e.Kind = event.AgentReply
		}
		e.Acknowledgement = provider.IsAck(s, c.User.Login, c.Body) ||
			(c.User.ID != 0 && provider.IsAck(s, strconv.FormatInt(c.User.ID, 10), c.Body))
		e.OccurredAt, err = provider.ParseTime("comment.created_at", c.CreatedAt)
	default:
		return provider.Ignore("%s.%s is not tracked", name, p.Action), nil
	}
	if err != nil {
		return provider.Result{}, err
	}

	if p.Repository == nil || p.Repository.FullName == "" {
		return provider.Result{}, provider.Missing("repository.full_name")
	}
	if p.Issue.Number <= 0 {
		return provider.Result{}, provider.Errorf("issue.number", "want a positive issue number, got %d", p.Issue.Number)
	}
	e.TicketID = fmt.Sprintf("%s#%d", p.Repository.FullName, p.Issue.Number)
	if e.ID = strings.TrimSpace(r.Header.Get(DeliveryHeader)); e.ID == "" {
		// Without the delivery id (a hand-made request), derive one from
		// what identifies the change, so that a resend is still a duplicate.
		var commentID int64
		if p.Comment != nil {
			commentID = p.Comment.ID
		}
		e.ID = provider.SynthID(name, p.Action, e.TicketID, strconv.FormatInt(commentID, 10), e.OccurredAt.UTC().Format(time.RFC3339Nano))
	}
	return provider.Result{Events: []event.Event{e}}, nil
}

// present reports whether an optional object was sent and is not null.
func present(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

// role classifies a GitHub user: bots first (apps and "[bot]" accounts can
// be collaborators too), then the repository's own people as agents.
func role(u user, association string) event.Role {
	if strings.EqualFold(u.Type, "Bot") || strings.HasSuffix(strings.ToLower(u.Login), "[bot]") {
		return event.Bot
	}
	switch strings.ToUpper(association) {
	case "OWNER", "MEMBER", "COLLABORATOR":
		return event.Agent
	}
	return event.Customer
}

// labelNames returns the label set, empty but not nil when there are none:
// the set is known.
func labelNames(ls []label) []string {
	names := make([]string, 0, len(ls))
	for _, l := range ls {
		if l.Name != "" {
			names = append(names, l.Name)
		}
	}
	return names
}
