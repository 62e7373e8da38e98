package notify

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// chatbotNotification is the custom-notification event of AWS Chatbot
// (Amazon Q Developer in chat applications): version must be "1.0", source
// must be "custom", and only textType "client-markdown" exists. See
// docs/alerts.md.
type chatbotNotification struct {
	Version  string          `json:"version"`
	Source   string          `json:"source"`
	ID       string          `json:"id,omitempty"`
	Content  chatbotContent  `json:"content"`
	Metadata chatbotMetadata `json:"metadata"`
}

type chatbotContent struct {
	TextType    string   `json:"textType"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	NextSteps   []string `json:"nextSteps,omitempty"`
	Keywords    []string `json:"keywords,omitempty"`
}

type chatbotMetadata struct {
	ThreadID          string            `json:"threadId,omitempty"`
	Summary           string            `json:"summary,omitempty"`
	EventType         string            `json:"eventType,omitempty"`
	AdditionalContext map[string]string `json:"additionalContext,omitempty"`
}

// chatbotDigestLinks bounds the tickets a digest links in chat.
const chatbotDigestLinks = 10

// ChatbotJSON renders a as an AWS Chatbot custom notification, for an SNS
// topic that Chatbot forwards to Slack, Microsoft Teams or Amazon Chime.
// Notifications about one ticket share a thread (metadata.threadId).
func ChatbotJSON(a Alert, loc *time.Location, now time.Time) string {
	r := newRenderer(a, loc, now, defaultDigestLimit)
	a = r.a
	n := chatbotNotification{
		Version: "1.0",
		Source:  "custom",
		ID:      a.ID,
		Content: chatbotContent{
			TextType: "client-markdown",
			Keywords: nonEmpty(a.Kind, a.Severity, a.Team, a.Priority),
		},
		Metadata: chatbotMetadata{
			Summary:   r.headline(),
			EventType: a.Kind,
			AdditionalContext: map[string]string{
				"alert_id": a.ID, "schema": Schema, "level": strconv.Itoa(a.Level),
			},
		},
	}
	ctx := n.Metadata.AdditionalContext
	for k, v := range map[string]string{"source": a.Source, "ticket_id": a.TicketID, "team": a.Team} {
		if v != "" {
			ctx[k] = v
		}
	}
	if t := utc(a.DueAt); t != nil {
		ctx["due_at"] = t.Format(time.RFC3339)
	}
	var desc []string
	if r.digest() {
		n.Metadata.ThreadID = groupID(a)
		n.Content.Title = emoji(a.Severity) + " " + r.digestSummary()
		shown := min(len(a.Tickets), chatbotDigestLinks)
		for _, it := range a.Tickets[:shown] {
			s := "• " + ticketRef(it.Source, it.TicketID) + ", " + metricName(it.Metric)
			if !it.DueAt.IsZero() {
				s += ", due " + it.DueAt.In(r.loc).Format("15:04 MST, Mon 2 Jan")
			}
			if it.TicketURL != "" {
				s += ": " + it.TicketURL
			}
			desc = append(desc, s)
		}
		if more := len(a.Tickets) - shown; more > 0 {
			desc = append(desc, fmt.Sprintf("… and %d more", more))
		}
		n.Content.NextSteps = []string{"Work through the breached tickets, oldest first"}
	} else {
		n.Metadata.ThreadID = groupID(a)
		n.Content.Title = emoji(a.Severity) + " " + r.label() + ": " + ticketRef(a.Source, a.TicketID)
		desc = append(desc, "*"+r.metricPhrase()+"* "+r.clock())
		var facts []string
		for _, f := range [][2]string{{"Policy", a.Policy}, {"Priority", a.Priority}, {"Channel", a.Channel}, {"Team", a.Team}} {
			if f[1] != "" {
				facts = append(facts, f[0]+": "+f[1])
			}
		}
		if len(facts) > 0 {
			desc = append(desc, strings.Join(facts, " · "))
		}
		if len(a.Notify) > 0 {
			desc = append(desc, "Notify: "+strings.Join(a.Notify, ", "))
		}
		link := ticketRef(a.Source, a.TicketID)
		if a.TicketURL != "" {
			link = a.TicketURL
		}
		switch a.Kind {
		case KindWarning, KindPredicted:
			n.Content.NextSteps = []string{"Reply to the customer before " + r.shortClock() + ": " + link}
		case KindBreach, KindEscalation:
			n.Content.NextSteps = []string{"Reply to the customer now: " + link}
			if len(a.Notify) > 0 {
				n.Content.NextSteps = append(n.Content.NextSteps, "Escalated to "+strings.Join(a.Notify, ", "))
			}
		case KindRecovered:
			n.Content.NextSteps = []string{"Nothing to do: the customer has their reply"}
		}
		if a.Metric == "resolution" {
			// The resolution clock waits for a solve, not a reply.
			switch a.Kind {
			case KindWarning:
				n.Content.NextSteps[0] = "Solve the ticket before " + r.shortClock() + ": " + link
			case KindBreach, KindEscalation:
				n.Content.NextSteps[0] = "Solve the ticket now: " + link
			case KindRecovered:
				n.Content.NextSteps[0] = "Nothing to do: the ticket is solved"
			}
		}
	}
	n.Content.Description = strings.Join(desc, "\n")
	b, err := json.Marshal(n)
	if err != nil { // cannot happen: every field marshals
		panic(fmt.Sprintf("notify: chatbot %s: %v", a.ID, err))
	}
	return string(b)
}

func emoji(severity string) string {
	switch severity {
	case severityCritical:
		return ":rotating_light:"
	case severityWarning:
		return ":warning:"
	}
	return ":white_check_mark:"
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
