package faultproxy

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// protocol is how a request's service answers errors, and the operation it
// calls.
type protocol struct {
	kind    protoKind
	service string // "DynamoDB", "AmazonSQS", "SNS", "SQS", or ""
	op      string // "DynamoDB.GetItem", "SNS.Publish", …; the method and path when unknown
}

type protoKind int

const (
	protoUnknown  protoKind = iota
	protoDynamoDB           // AWS JSON 1.0, X-Amz-Target DynamoDB_20120810.<Op>
	protoSQSJSON            // AWS JSON 1.0 with awsQueryCompatible, X-Amz-Target AmazonSQS.<Op>
	protoQuery              // AWS query: form-encoded Action=…&Version=… (SNS, SQS's older protocol)
)

// protocolOf tells the protocol from the X-Amz-Target header, or from a
// form-encoded body's Action and Version.
func protocolOf(h http.Header, body []byte) protocol {
	if target := h.Get("X-Amz-Target"); target != "" {
		svc, op, _ := strings.Cut(target, ".")
		switch {
		case strings.HasPrefix(svc, "DynamoDB_"):
			return protocol{kind: protoDynamoDB, service: "DynamoDB", op: "DynamoDB." + op}
		case svc == "AmazonSQS":
			return protocol{kind: protoSQSJSON, service: "AmazonSQS", op: target}
		}
		return protocol{op: target}
	}
	if mt, _, _ := mime.ParseMediaType(h.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
			svc := ""
			switch form.Get("Version") {
			case "2010-03-31":
				svc = "SNS"
			case "2012-11-05":
				svc = "SQS"
			}
			op := form.Get("Action")
			if svc != "" {
				op = svc + "." + op
			}
			return protocol{kind: protoQuery, service: svc, op: op}
		}
	}
	return protocol{op: "unknown"}
}

// errorShape is one service error as the service sends it.
type errorShape struct {
	status  int
	code    string // the error code ("__type" in JSON, <Code> in XML)
	message string
	sender  bool // the caller's fault (Type Sender) rather than the service's
}

// shape returns the error a fault answers with in protocol p. The codes and
// statuses are the services' own, as their API models give them:
//   - DynamoDB: ProvisionedThroughputExceededException, 400;
//     InternalServerError, 500.
//   - SNS: Throttled (ThrottledException), 429, Sender; InternalError, 500,
//     Receiver.
//   - SQS: RequestThrottled, 403, Sender; InternalFailure (the error every
//     AWS API shares), 500.
func (p protocol) shape(k Kind) errorShape {
	throttle := k == Throttle
	switch {
	case p.kind == protoDynamoDB && throttle:
		return errorShape{400, "ProvisionedThroughputExceededException",
			"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.", true}
	case p.kind == protoDynamoDB:
		return errorShape{500, "InternalServerError", "Internal server error", false}
	case (p.kind == protoSQSJSON || p.service == "SQS") && throttle:
		return errorShape{403, "RequestThrottled", "Request is throttled.", true}
	case p.kind == protoSQSJSON || p.service == "SQS":
		return errorShape{500, "InternalFailure", "We encountered an internal error. Please try again.", false}
	case throttle:
		return errorShape{429, "Throttled", "Rate exceeded", true}
	default:
		return errorShape{500, "InternalError", "Internal Error", false}
	}
}

// writeError answers the fault k in the request's protocol.
func (p protocol) writeError(w http.ResponseWriter, k Kind, requestID string) {
	s := p.shape(k)
	h := w.Header()
	switch p.kind {
	case protoDynamoDB, protoSQSJSON:
		ns := "com.amazonaws.dynamodb.v20120810#"
		if p.kind == protoSQSJSON {
			ns = "com.amazonaws.sqs#"
			fault := "Receiver"
			if s.sender {
				fault = "Sender"
			}
			h.Set("x-amzn-query-error", s.code+";"+fault)
		}
		body, _ := json.Marshal(map[string]string{"__type": ns + s.code, "message": s.message})
		h.Set("Content-Type", "application/x-amz-json-1.0")
		h.Set("x-amzn-RequestId", requestID)
		w.WriteHeader(s.status)
		_, _ = w.Write(body)
	case protoQuery:
		xmlns := "http://sns.amazonaws.com/doc/2010-03-31/"
		if p.service == "SQS" {
			xmlns = "http://queue.amazonaws.com/doc/2012-11-05/"
		}
		typ := "Receiver"
		if s.sender {
			typ = "Sender"
		}
		h.Set("Content-Type", "text/xml")
		h.Set("x-amzn-RequestId", requestID)
		w.WriteHeader(s.status)
		_, _ = fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
			xmlns, typ, s.code, s.message, requestID)
	default:
		// Plain HTTP APIs (the on-call tools): a 429 says when to come back,
		// as Slack's and Teams' do.
		if k == Throttle {
			h.Set("Retry-After", "1")
		}
		http.Error(w, s.code+": "+s.message, s.status)
	}
}
