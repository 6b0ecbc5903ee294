package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ringfence/ringfence/internal/store"
)

// chromium is Debian's Chromium, which scripts/test installs when missing,
// or the one $RINGFENCE_CHROMIUM names.
func chromium() string {
	if p := os.Getenv("RINGFENCE_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// TestBrowserWorkflow drives the UI in headless Chromium the way an analyst
// works a day: sign in, upload a batch, work the queue, read a flagged
// subject's evidence and graph, open a case, decide it, and check the audit
// log. It saves a screenshot of each main page for people to look at.
func TestBrowserWorkflow(t *testing.T) {
	chromiumPath := chromium()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs %s for the browser test: %v", chromiumPath, err)
		}
		t.Skipf("no %s; install Debian's chromium to run the browser test", chromiumPath)
	}
	artifacts := os.Getenv("RINGFENCE_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join(os.TempDir(), "browser-artifacts")
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}

	s := newStack(t)
	s.addUser("admin", store.RoleAdmin)
	// The demo's sample population with the planted ring added: a queue as
	// an analyst meets it, and a subject whose evidence the test knows.
	batch := ringFile
	if sample, err := os.ReadFile(filepath.Join("..", "..", "examples", "people.jsonl")); err == nil {
		batch = string(sample) + ringFile
	}
	upload := filepath.Join(t.TempDir(), "applicants.jsonl")
	if err := os.WriteFile(upload, []byte(batch), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	defer cancelTab()
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", chromiumPath, err)
	}

	// Every console error is a bug: a script failing, or the CSP refusing
	// something the page tried (an inline style, a script, a fetch).
	var mu sync.Mutex
	var consoleErrors []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				mu.Lock()
				consoleErrors = append(consoleErrors, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, m.Text))
				mu.Unlock()
			}
		}
	}()

	b := &browser{t: t, ctx: ctx, base: s.srv.URL, dir: artifacts}

	// Sign in: a stranger is sent to the sign-in page.
	b.do(chromedp.EmulateViewport(1440, 1000), chromedp.Navigate(b.base+"/alerts"), chromedp.WaitVisible(chromedp.ID("name")))
	b.wantPath("/signin")
	b.shot("01-signin")
	b.do(chromedp.SendKeys(chromedp.ID("name"), "admin"), chromedp.SendKeys(chromedp.ID("password"), password("admin")))
	b.clickAndLoad(chromedp.CSS("#signin"))
	b.wantPath("/alerts")

	// Upload the batch, stored, and follow the job until it is done.
	b.do(chromedp.Navigate(b.base+"/upload"), chromedp.WaitVisible(chromedp.ID("upload-form")))
	b.do(chromedp.SetUploadFiles(chromedp.ID("file"), []string{upload}))
	b.shot("02-upload")
	if checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("store").checked`)); err != nil || !checked {
		t.Fatalf("the store box is not checked (%v)", err)
	}
	b.clickAndLoad(chromedp.CSS("#upload"))
	if !strings.HasPrefix(b.path(), "/jobs/") {
		t.Fatalf("after the upload the browser is at %s, want a job page", b.path())
	}
	// htmx polls the status block; the page itself is never reloaded.
	b.poll(`document.getElementById("job-status").dataset.state === "done"`, 60*time.Second)
	b.wantText("#job-status", "Download verdicts", "R1")
	b.shot("03-job")

	// The queue has the ring's alerts; open the listed persona.
	b.do(chromedp.Navigate(b.base+"/alerts"), chromedp.WaitVisible(chromedp.ID("queue")))
	b.wantText("#queue", "R1", "known-bad-identifier")
	b.shot("04-queue")
	// The keyboard works the queue: j selects the first row.
	b.do(chromedp.KeyEvent("j"))
	b.poll(`document.querySelector("#queue tbody tr.selected") !== null`, 5*time.Second)
	b.clickAndLoad(chromedp.CSS(`#queue a[href="/subjects/R1"]`))
	b.wantPath("/subjects/R1")

	// The evidence: every hit with its explanation.
	b.wantText("main", "Jin Park", "known-bad-identifier", "DPRK IT worker persona named in an FBI advisory",
		"shared-wallet", "One crypto wallet receives pay for people of different names")
	// The graph: cytoscape drew the ring and the weak link.
	b.poll(`document.getElementById("graph").dataset.ready === "true"`, 20*time.Second)
	nodes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.rfGraph.nodes().length`))
	if err != nil || nodes < 4 {
		t.Errorf("the graph has %d nodes (%v), want the ring's 3 and the weak link's 1", nodes, err)
	}
	styles, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`window.rfGraph.edges().map(function (e) { return e.style("line-style"); }).sort().join(",")`))
	if err != nil || !strings.Contains(styles, "solid") || !strings.Contains(styles, "dashed") {
		t.Errorf("edge styles %q (%v), want solid ring links and a dashed weak one", styles, err)
	}
	// Clicking a line shows what the two share.
	b.do(chromedp.Evaluate[chromedp.Void](`window.rfGraph.edges('[style = "join"]')[0].emit("tap"); true`))
	b.wantText("#edge-evidence", "wallets", "0x52908400098527886e0f7030069857d2e4169ee7")
	b.shot("05-subject")

	// Open a case from the subject's alert, and decide it.
	b.clickAndLoad(chromedp.CSS(`button[data-open-case]`))
	if !strings.HasPrefix(b.path(), "/cases/") {
		t.Fatalf("after opening a case the browser is at %s", b.path())
	}
	b.wantText("main", "known-bad-identifier", "DPRK IT worker persona named in an FBI advisory")
	b.do(chromedp.Click(chromedp.ID("decision-confirmed")), chromedp.SetValue(chromedp.ID("tlp"), "amber"),
		chromedp.SendKeys(chromedp.CSS(`#decide-form textarea[name="note"]`), "Listed persona; shares wallet and phone with R2 and R3."))
	b.clickAndLoad(chromedp.CSS("#decide"))
	b.wantText("#case-status", "closed")
	b.wantText("#case-decision", "Confirmed fraud")
	b.wantText("main", "Decision recorded;", "TLP:AMBER", "Listed persona")
	b.shot("06-case")

	// The audit log has the decision and the reads.
	b.do(chromedp.Navigate(b.base+"/audit"), chromedp.WaitVisible(chromedp.ID("audit")))
	b.wantText("#audit", "case.decide", "confirmed_fraud tlp=amber", "subject.read", "subject:R1", "subject.graph")
	b.shot("07-audit")

	// g c goes to the case list, which htmx filters without a reload.
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil,
		chromedp.Steps(chromedp.KeyEvent("g"), chromedp.KeyEvent("c")))); err != nil {
		t.Fatal(err)
	}
	b.wantPath("/cases")
	b.do(chromedp.WaitVisible(chromedp.ID("cases")))
	b.do(chromedp.SetValue(chromedp.CSS(`select[name="status"]`), "closed"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[name="status"]').dispatchEvent(new Event("change", {bubbles: true})); true`))
	b.poll(`document.querySelector("#cases tbody").textContent.indexOf("Confirmed fraud") >= 0`, 10*time.Second)
	b.wantPath("/cases")
	b.shot("08-cases")

	// The confirmed persona's identifiers are indicators now, marked amber.
	b.do(chromedp.Navigate(b.base+"/indicators?source=case-1"), chromedp.WaitVisible(chromedp.ID("indicator-results")))
	b.wantText("#indicator-results", "jin.park.dev@proton.me", "TLP:AMBER", "confirmed fraud (case 1, subject R1)")
	b.shot("09-indicators")

	mu.Lock()
	defer mu.Unlock()
	for _, e := range consoleErrors {
		t.Errorf("browser console: %s", e)
	}
	t.Logf("screenshots in %s", artifacts)
}

// browser is the test's handle on one tab.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// clickAndLoad clicks and waits for the page the click loads, and fails on
// an error status.
func (b *browser) clickAndLoad(sel chromedp.CSS) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(sel, chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("click %v: %v", sel, err)
	}
	if resp == nil || resp.Status >= 400 {
		status := int64(0)
		if resp != nil {
			status = resp.Status
		}
		b.t.Fatalf("click %v: status %d at %s", sel, status, b.path())
	}
}

func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, b.base)
}

func (b *browser) wantPath(prefix string) {
	b.t.Helper()
	if p := b.path(); !strings.HasPrefix(p, prefix) {
		b.t.Fatalf("the browser is at %s, want %s", p, prefix)
	}
}

// wantText checks that the element holds each text.
func (b *browser) wantText(css string, texts ...string) {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.TextContent(chromedp.CSS(css)))
	if err != nil {
		b.t.Fatalf("read %s: %v", css, err)
	}
	for _, want := range texts {
		if !strings.Contains(got, want) {
			b.t.Errorf("%s at %s lacks %q", css, b.path(), want)
		}
	}
}

func (b *browser) poll(expr string, timeout time.Duration) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(timeout))); err != nil {
		b.t.Fatalf("waiting for %s at %s: %v", expr, b.path(), err)
	}
}

// shot saves a full-page PNG.
func (b *browser) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", p)
}
