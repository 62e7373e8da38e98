// Package notify delivers SLA alerts. Console writes them as JSON lines for
// the local server; the SNS notifier joins it in a later change.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/slawatch/slawatch/shared/sla"
)

// Alert is one alert about one ticket, ready to deliver.
type Alert struct {
	sla.Alert
	Source   string    `json:"source"`
	TicketID string    `json:"ticket_id"`
	Policy   string    `json:"policy"`
	Priority string    `json:"priority"`
	Channel  string    `json:"channel"`
	SentAt   time.Time `json:"sent_at"`
}

// Notifier delivers alerts.
type Notifier interface {
	Notify(ctx context.Context, a Alert) error
}

// Console writes each alert as one JSON line.
type Console struct {
	mu sync.Mutex
	w  io.Writer
}

// NewConsole returns a Console writing to w.
func NewConsole(w io.Writer) *Console { return &Console{w: w} }

func (c *Console) Notify(_ context.Context, a Alert) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err = fmt.Fprintf(c.w, "ALERT %s\n", b)
	return err
}
