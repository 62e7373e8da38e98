package functions_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLambdaConfigRefused: a new, invalid version of the configuration
// parameter is refused whole by every cold start. Two checker instances
// started on it both log the refusal and count it, run on the previous
// version, and between them publish one sla.config_refused; later runs
// publish nothing more. The webhook and tickets functions serve on the
// previous version too.
func TestLambdaConfigRefused(t *testing.T) {
	w := newWorld(t)
	alerts := w.subscriber(w.env["SLAWATCH_ALERT_TOPIC_ARN"], "alerts-sub")
	const pasted = "pasted-in-the-config-9c1e"
	if v := w.ssm.Put("/slawatch/config", "# "+pasted+"\n"+strings.Replace(storyConfig, "within: 3s", "within: soon", 1)); v != 2 {
		t.Fatalf("put version %d, want 2", v)
	}
	a := w.start("checker", "./functions/checker", 70*time.Second)
	b := w.start("checker-b", "./functions/checker", 70*time.Second)
	scheduled := map[string]any{"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "time": time.Now().UTC()}
	for range 2 {
		var wg sync.WaitGroup
		for _, f := range []*function{a, b} {
			wg.Go(func() {
				// Not w.invoke: t.Fatal belongs to the test's goroutine.
				b, _ := json.Marshal(scheduled)
				if res, err := f.h.Invoke(w.ctx, b); err != nil || res.Err != nil {
					t.Errorf("%s: %v %v\n%s", f.name, err, res.Err, f.out.String())
				}
			})
		}
		wg.Wait()
	}
	got := w.receive(alerts, 2)
	if len(got) != 1 || !strings.Contains(got[0].body, `sla.config_refused`) || !strings.Contains(got[0].body, `/slawatch/config:2`) {
		t.Fatalf("alerts: %v, want one sla.config_refused for /slawatch/config:2\nchecker:\n%s\nchecker-b:\n%s", got, a.out.String(), b.out.String())
	}
	for _, f := range []*function{a, b} {
		out := f.out.String() + f.errs.String()
		for _, want := range []string{`"level":"ERROR","message":"configuration refused: an earlier version keeps running"`, `"version":2`, `"running_version":1`,
			`bad duration \"soon\"`, `"ConfigRefused":1`} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: no %s in its output:\n%s", f.name, want, out)
			}
		}
		if strings.Contains(out, pasted) {
			t.Errorf("%s: the refused value is in its output", f.name)
		}
	}

	// The webhook applies the previous version's policy.
	hook := w.start("webhook", "./functions/webhook", 10*time.Second)
	tickets := w.start("tickets", "./functions/tickets", 10*time.Second)
	res := w.invoke(hook, webhook(fmt.Sprintf(`{"ticket_id":"T-9","event_id":"c9","kind":"ticket_created","occurred_at":%q,"channel":"chat"}`,
		time.Now().UTC().Format(time.RFC3339Nano))))
	if status, body := apiResponse(t, res); status != 200 || body["applied"] != 1.0 {
		t.Fatalf("webhook: %d %v\n%s", status, body, hook.out.String())
	}
	if status, body := apiResponse(t, w.invoke(tickets, get("/tickets/desk/T-9"))); status != 200 || body["policy"] != "fast-chat" {
		t.Errorf("tickets: %d %v", status, body)
	}
}
