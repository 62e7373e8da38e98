package providertest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/slawatch/slawatch/shared/provider"
	"github.com/slawatch/slawatch/shared/provider/front"
	"github.com/slawatch/slawatch/shared/provider/generic"
	"github.com/slawatch/slawatch/shared/provider/github"
	"github.com/slawatch/slawatch/shared/provider/helpscout"
	"github.com/slawatch/slawatch/shared/provider/hubspot"
	"github.com/slawatch/slawatch/shared/provider/intercom"
	"github.com/slawatch/slawatch/shared/provider/jira"
	"github.com/slawatch/slawatch/shared/provider/zendesk"
)

// FreshdeskUser is the Basic-auth user name the Freshdesk set-up guide
// tells admins to type; slawatch ignores it.
const FreshdeskUser = "slawatch"

// TimeLimited lists the providers whose signature covers a timestamp that
// slawatch refuses once it is older than the source's window: a request
// signed for them must be sent within minutes.
var TimeLimited = []string{"front", "hubspot", "zendesk"}

// Sign adds to r.Header the headers with which the helpdesk behind the
// named provider authenticates r, sent at now, exactly as that helpdesk
// does: the signature over r.Body (and, per scheme, the timestamp, method
// and r.URL). Front is signed as an application webhook (the body must be
// the {type, authorization, payload} envelope), Freshdesk with the secret
// as the Basic-auth password (it signs nothing), GitHub with the legacy
// SHA-1 signature alongside the SHA-256 one. r.Method defaults to POST.
func Sign(prov string, secret []byte, r *provider.Request, now time.Time) error {
	if r.Header == nil {
		r.Header = http.Header{}
	}
	method := r.Method
	if method == "" {
		method = http.MethodPost
	}
	h, body := r.Header, r.Body
	switch prov {
	case "zendesk":
		ts := now.UTC().Format("2006-01-02T15:04:05Z")
		h.Set(zendesk.TimestampHeader, ts)
		h.Set(zendesk.SignatureHeader, zendesk.Sign(secret, ts, body))
	case "freshdesk":
		// Freshdesk signs nothing: the rule sends the secret as the
		// Basic-auth password (docs/helpdesks/freshdesk.md).
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(FreshdeskUser+":"+string(secret))))
	case "intercom":
		h.Set(intercom.SignatureHeader, intercom.Sign(secret, body))
	case "helpscout":
		h.Set(helpscout.SignatureHeader, helpscout.Sign(secret, body))
	case "front":
		// An application webhook (the recommended kind): signs the time.
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		h.Set(front.TimestampHeader, ts)
		h.Set(front.SignatureHeader, front.SignApp(secret, ts, body))
	case "jira":
		h.Set(jira.SignatureHeader, jira.Sign(secret, body))
	case "hubspot":
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		h.Set(hubspot.TimestampHeader, ts)
		h.Set(hubspot.SignatureHeader, hubspot.Sign(secret, method, r.URL, body, ts))
	case "github":
		// GitHub sends the legacy SHA-1 signature alongside SHA-256.
		h.Set("X-Hub-Signature", provider.Signature{Prefix: "sha1=", Hash: provider.SHA1, Encoding: provider.Hex}.Sign(secret, body))
		h.Set(github.SignatureHeader, github.Sign(secret, body))
	case "generic":
		h.Set(generic.SignatureHeader, generic.Sign(secret, body))
	default:
		return fmt.Errorf("providertest: no signing scheme for provider %q", prov)
	}
	return nil
}
