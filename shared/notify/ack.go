package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// AckSchema names the JSON document an acknowledgement is published as.
const AckSchema = "slawatch.ack/1"

// Ack is an auto-acknowledgement for a customer, ready to deliver by
// whatever reaches them (an email or chat integration subscribed to the
// acknowledgement topic).
type Ack struct {
	Schema string `json:"schema"`
	// ID is stable across retries: "source/ticket/ack". Subscribers and
	// FIFO topics de-duplicate on it.
	ID       string `json:"id"`
	Source   string `json:"source"`
	TicketID string `json:"ticket_id"`
	Channel  string `json:"channel"`
	// Class is the template class: "email" (long form) or "realtime".
	Class  string `json:"class"`
	Locale string `json:"locale"`
	// Text is the message, marker line included.
	Text string `json:"text"`
	// Promise is the promised time as the text says it; PromisedBy the
	// instant.
	Promise    string    `json:"promise"`
	PromisedBy time.Time `json:"promised_by"`
	ClosedNow  bool      `json:"closed_now"`
	SentAt     time.Time `json:"sent_at"`
}

// AckPublisher delivers acknowledgements.
type AckPublisher interface {
	PublishAck(ctx context.Context, a Ack) error
}

// AckSNS publishes acknowledgements to a topic as the slawatch.ack/1 JSON
// document, with the attributes source, channel, ticket and locale for
// subscription filter policies.
type AckSNS struct {
	Client   Publisher
	TopicARN string
}

var _ AckPublisher = (*AckSNS)(nil)

// PublishAck publishes a.
func (s *AckSNS) PublishAck(ctx context.Context, a Ack) error {
	in, err := s.Input(a)
	if err != nil {
		return err
	}
	if _, err := s.Client.Publish(ctx, in); err != nil {
		return fmt.Errorf("sns: publish acknowledgement %s to %s: %w", a.ID, s.TopicARN, err)
	}
	return nil
}

// Input builds the Publish request for a without sending it.
func (s *AckSNS) Input(a Ack) (*sns.PublishInput, error) {
	if s.Client == nil || s.TopicARN == "" {
		return nil, errors.New("sns: acknowledgement publisher needs a client and a topic ARN")
	}
	a.Schema = AckSchema
	doc, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("sns: acknowledgement %s: %w", a.ID, err)
	}
	if len(doc) > maxSNSMessage {
		return nil, fmt.Errorf("sns: acknowledgement %s is %d bytes, over SNS's %d", a.ID, len(doc), maxSNSMessage)
	}
	in := &sns.PublishInput{
		TopicArn:          aws.String(s.TopicARN),
		Message:           aws.String(string(doc)),
		MessageAttributes: map[string]types.MessageAttributeValue{},
	}
	for k, v := range map[string]string{"source": a.Source, "channel": a.Channel, "ticket": a.TicketID, "locale": a.Locale} {
		if v != "" { // SNS refuses empty attribute values
			in.MessageAttributes[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	if strings.HasSuffix(s.TopicARN, ".fifo") {
		in.MessageGroupId = aws.String(groupID(Alert{Source: a.Source, TicketID: a.TicketID}))
		in.MessageDeduplicationId = aws.String(DeduplicationID(Alert{ID: a.ID}))
	}
	return in, nil
}

// AckConsole writes acknowledgements for the local server: the document on
// one line, then the text as the customer would read it.
type AckConsole struct {
	mu sync.Mutex
	w  io.Writer
}

// NewAckConsole returns an AckConsole writing to w.
func NewAckConsole(w io.Writer) *AckConsole { return &AckConsole{w: w} }

func (c *AckConsole) PublishAck(_ context.Context, a Ack) error {
	a.Schema = AckSchema
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	text := "      | " + strings.ReplaceAll(a.Text, "\n", "\n      | ")
	if _, err := fmt.Fprintf(c.w, "ACK %s\n%s\n", doc, text); err != nil {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}
