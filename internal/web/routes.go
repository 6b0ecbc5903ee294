package web

import (
	"net/http"

	"github.com/ringfence/ringfence/internal/access"
	"github.com/ringfence/ringfence/internal/cases"
)

// Body limits. A batch upload holds up to live.MaxJobRecords records of a
// few hundred bytes to a few kilobytes; an intelligence file is at most an
// uncompressed SDN list; an attachment is what cases accepts, with room
// for the form's other fields.
const (
	maxFormBody       = 64 << 10
	maxUploadBody     = 256 << 20
	maxIntelBody      = 256 << 20
	maxAttachmentBody = cases.MaxAttachment + 64<<10
)

// routes lists every page of the UI. The JSON API under /v1, /metrics and
// the health checks belong to the server; "/" here answers only what no
// more specific pattern claims.
func (u *ui) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/{path...}", u.assets.serve)

	mux.HandleFunc("GET /signin", u.signInForm)
	mux.Handle("POST /signin", limited(maxFormBody, http.HandlerFunc(u.signIn)))
	mux.Handle("POST /signout", u.action(anyone, maxFormBody, u.signOut))

	mux.Handle("GET /{$}", u.page(anyone, u.home))
	mux.Handle("GET /alerts", u.page(access.ReadCases, u.queue))
	mux.Handle("POST /alerts/{id}/case", u.action(access.WorkCases, maxFormBody, u.openCase))

	mux.Handle("GET /subjects/{id}", u.page(access.ReadSubjects, u.subject))
	mux.Handle("GET /subjects/{id}/graph.json", u.page(access.ReadSubjects, u.subjectGraph))

	mux.Handle("GET /cases", u.page(access.ReadCases, u.caseList))
	mux.Handle("GET /cases/{id}", u.page(access.ReadCases, u.casePage))
	mux.Handle("GET /cases/{id}/attachments/{aid}", u.page(access.ReadCases, u.attachment))
	mux.Handle("POST /cases/{id}/assign", u.action(access.WorkCases, maxFormBody, u.assign))
	mux.Handle("POST /cases/{id}/comment", u.action(access.WorkCases, maxFormBody, u.comment))
	mux.Handle("POST /cases/{id}/attach", u.action(access.WorkCases, maxAttachmentBody, u.attach))
	mux.Handle("POST /cases/{id}/decide", u.action(access.WorkCases, maxFormBody, u.decide))
	mux.Handle("POST /cases/{id}/reopen", u.action(access.WorkCases, maxFormBody, u.reopen))

	mux.Handle("GET /farms", u.page(access.ReadCases, u.farms))

	mux.Handle("GET /upload", u.page(access.Screen, u.uploadForm))
	mux.Handle("POST /upload", u.action(access.Screen, maxUploadBody, u.upload))
	mux.Handle("GET /jobs/{id}", u.page(access.Screen, u.jobPage))
	mux.Handle("GET /jobs/{id}/status", u.page(access.Screen, u.jobStatus))
	mux.Handle("GET /jobs/{id}/result.jsonl", u.page(access.Screen, u.jobResult))

	mux.Handle("GET /indicators", u.page(access.ReadIntel, u.indicators))
	mux.Handle("POST /indicators/import", u.action(access.WriteIntel, maxIntelBody, u.importIntel))

	mux.Handle("GET /audit", u.page(access.ReadAudit, u.auditLog))

	mux.HandleFunc("/", u.notFound)
}
