package ack

// DefaultEmail is the built-in long-form acknowledgement for email, web
// forms and the API. It says the message arrived, who will answer and by
// when, what the customer need not do, and — when the team is offline — when
// it is back. It never explains the wait away and never asks for patience.
const DefaultEmail = `Hello,

Thanks for your message — it reached us{{with .TicketID}} and is filed as ticket {{.}}{{end}}.

{{if .ClosedNow}}Our team is offline right now and back {{.OpensAt}}. You'll hear from a person {{.Promise}}.{{else}}You'll hear from a person on our team {{.Promise}}.{{end}}

There is no need to write again. If you have more details, reply to this message and they will join the same conversation.

{{if .TeamName}}{{.TeamName}}{{else}}The support team{{end}}
`

// DefaultRealtime is the built-in short acknowledgement for chat, messaging,
// social, SMS and phone. It uses only characters of the GSM 7-bit alphabet
// (plain apostrophes, no dashes) so that an SMS stays one 160-character
// part, marker line included, with realistic data.
const DefaultRealtime = `{{if .ClosedNow}}Thanks, your message reached us. We're offline now and back {{.OpensAt}}; a person will reply {{.Promise}}.{{else}}Thanks, your message reached us. A person from our team will reply {{.Promise}}.{{end}}`
