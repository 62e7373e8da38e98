package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// SNS message formats.
const (
	// FormatSNS sends MessageStructure=json with a "default" key holding
	// the slawatch.alert/1 document, an "email" key holding the plain-text
	// body and an "sms" key holding the short text.
	FormatSNS = "sns"
	// FormatChatbot puts the AWS Chatbot custom notification in "default"
	// (what Chatbot's HTTPS subscription receives), keeps the email and sms
	// texts, and gives SQS and Lambda subscribers the slawatch.alert/1
	// document under the "sqs" and "lambda" keys.
	FormatChatbot = "chatbot"
)

// maxSNSMessage is SNS's limit for a message and its attributes, in bytes.
const maxSNSMessage = 256 * 1024

// Publisher is the part of *sns.Client that SNS uses.
type Publisher interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

var _ Publisher = (*sns.Client)(nil)

// SNS publishes alerts to a topic. A failed publish is returned as an error:
// the checker keeps the alert and tries again on a later run, so delivery
// is at least once (subscribers de-duplicate on the document's id; FIFO
// topics do it for them).
type SNS struct {
	Client   Publisher
	TopicARN string
	// Location is the zone times are shown in; UTC when nil.
	Location *time.Location
	// Format is FormatSNS (the default when empty) or FormatChatbot.
	Format string
	// Now gives the instant "due in" and "overdue by" are measured at;
	// time.Now when nil.
	Now func() time.Time
}

var _ Notifier = (*SNS)(nil)

// Notify publishes a.
func (s *SNS) Notify(ctx context.Context, a Alert) error {
	in, err := s.Input(a)
	if err != nil {
		return err
	}
	if _, err := s.Client.Publish(ctx, in); err != nil {
		return fmt.Errorf("sns: publish alert %s to %s: %w", a.ID, s.TopicARN, err)
	}
	return nil
}

// Input builds the Publish request for a without sending it.
func (s *SNS) Input(a Alert) (*sns.PublishInput, error) {
	if s.Client == nil || s.TopicARN == "" {
		return nil, errors.New("sns: notifier needs a client and a topic ARN")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now()
	limit := defaultDigestLimit
	for {
		in, size, err := s.input(a, renderLimit(a, s.Location, at, limit), at)
		if err != nil {
			return nil, err
		}
		if size <= maxSNSMessage {
			return in, nil
		}
		if a.Kind != KindBreachDigest || limit == 1 {
			return nil, fmt.Errorf("sns: alert %s renders to %d bytes, over SNS's %d", a.ID, size, maxSNSMessage)
		}
		limit /= 2 // a digest lists fewer tickets until it fits
	}
}

// input returns the request and its size as SNS counts it.
func (s *SNS) input(a Alert, m Message, at time.Time) (*sns.PublishInput, int, error) {
	body := map[string]string{"default": m.Default, "email": m.Email, "sms": m.SMS}
	switch s.Format {
	case "", FormatSNS:
	case FormatChatbot:
		body["default"] = ChatbotJSON(a, s.Location, at)
		body["sqs"], body["lambda"] = m.Default, m.Default
	default:
		return nil, 0, fmt.Errorf("sns: unknown format %q (want %q or %q)", s.Format, FormatSNS, FormatChatbot)
	}
	msg, err := json.Marshal(body)
	if err != nil {
		return nil, 0, fmt.Errorf("sns: alert %s: %w", a.ID, err)
	}
	in := &sns.PublishInput{
		TopicArn:          aws.String(s.TopicARN),
		Message:           aws.String(string(msg)),
		MessageStructure:  aws.String("json"),
		Subject:           aws.String(m.Subject),
		MessageAttributes: map[string]types.MessageAttributeValue{},
	}
	size := len(msg)
	for k, v := range m.Attributes {
		t := AttributeType(k)
		in.MessageAttributes[k] = types.MessageAttributeValue{DataType: aws.String(t), StringValue: aws.String(v)}
		size += len(k) + len(t) + len(v)
	}
	if strings.HasSuffix(s.TopicARN, ".fifo") {
		in.MessageGroupId = aws.String(groupID(a))
		in.MessageDeduplicationId = aws.String(DeduplicationID(a))
	}
	return in, size, nil
}

// DeduplicationID is the FIFO de-duplication id of a: the hex SHA-256 of
// its ID (64 characters of [0-9a-f]), the same on every retry.
func DeduplicationID(a Alert) string {
	h := sha256.Sum256([]byte(a.ID))
	return hex.EncodeToString(h[:])
}

// groupID is the FIFO message group, which orders a ticket's alerts:
// "source/ticket", or the team for a digest. SNS allows 128 characters of
// printable ASCII; others become "_", and a longer id keeps its start and a
// hash of the whole.
func groupID(a Alert) string {
	g := a.Source + "/" + a.TicketID
	if a.Kind == KindBreachDigest || a.TicketID == "" {
		g = "digest/" + a.Team
	}
	clean := []rune(strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return '_'
		}
		return r
	}, g))
	if len(clean) <= 128 {
		return string(clean)
	}
	h := sha256.Sum256([]byte(g))
	return string(clean[:128-17]) + "~" + hex.EncodeToString(h[:8])
}
