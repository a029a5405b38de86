package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// findBrowser looks for a Chromium or Chrome binary: Debian's chromium package first.
func findBrowser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestBrowser runs the page in a real headless Chromium against `auditgrep serve`'s server over
// the repository's testdata: a seed query, its histogram and rows, one event opened, and the CSV
// download. With AUDITGREP_SCREENSHOTS=DIR it also saves the README's screenshots into DIR.
func TestBrowser(t *testing.T) {
	bin := findBrowser()
	if bin == "" {
		t.Skip("no Chromium or Chrome binary on PATH (Debian: apt-get install chromium; .ci/run installs it): the end-to-end browser test cannot run")
	}

	// The server, as the command runs it: Run on 127.0.0.1:0, the URL read from its output.
	sctx, stopServer := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- Run(sctx, Config{Paths: []string{testExport}, Addr: "127.0.0.1:0", Workers: 2, Version: "browser-test"}, pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		stopServer()
		if err := <-served; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	sc := bufio.NewScanner(pr)
	var pageURL string
	for sc.Scan() {
		if m := regexp.MustCompile(`open (http://\S+)$`).FindStringSubmatch(sc.Text()); m != nil {
			pageURL = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if pageURL == "" {
		t.Fatal("the server printed no URL")
	}

	bctx, ctx := startBrowser(t, bin)

	dlDir := t.TempDir()
	// Download events come from the browser, where SetDownloadBehavior was set.
	downloads := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	query, want := golden(t, "seed003-02-requests-by-user.txtar")
	wantRows := canonLines(t, want)
	waitEnd := chromedp.Poll[chromedp.Void](`document.getElementById("statsLine").textContent.includes("records scanned")`)
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dlDir, EventsEnabled: ptrTo(true)})
			return err
		}),
		chromedp.Navigate(pageURL),
		chromedp.WaitVisible(chromedp.CSS("#presets li")),
		// A query error first: the caret rendering shows, and nothing runs.
		chromedp.SetValue(chromedp.ID("query"), "filter verb = "),
		chromedp.Click(chromedp.ID("run")),
		chromedp.WaitVisible(chromedp.ID("queryError")),
	)
	if err != nil {
		t.Fatal(err)
	}
	caret, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("queryError").textContent`))
	if want := "query error at line 1, column 15: expected an expression, found the end of the query\n    filter verb = \n                  ^\n"; err != nil || caret != want {
		t.Errorf("query error shown as %q (%v), want %q", caret, err, want)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("query"), query),
		chromedp.Click(chromedp.ID("run")),
		waitEnd,
	)
	if err != nil {
		state, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`location.href + "\n" + document.getElementById("statusText").textContent + "\n" + document.getElementById("queryError").textContent`))
		t.Fatalf("%v; the page says:\n%s", err, state)
	}
	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	// The token left the address bar for the cookie.
	if u := eval(`location.href`); strings.Contains(u, "token") {
		t.Errorf("the address still has the token: %s", u)
	}
	if n := eval(`String(document.querySelectorAll("#histogram rect.bar").length)`); n == "0" {
		t.Errorf("no histogram bars")
	}
	if h := eval(`document.getElementById("chartTitle").textContent`); !strings.Contains(h, "Matching rows over time (20,") {
		t.Errorf("histogram title %q", h)
	}
	if cols := eval(`[...document.querySelectorAll("#rows thead th")].map(th => th.textContent).join(",")`); cols != "@logStream,@timestamp,@message" {
		t.Errorf("columns %q", cols)
	}
	if n := eval(`String(document.querySelectorAll("#rows tbody tr").length)`); n != "20" || len(wantRows) != 20 {
		t.Errorf("%s rows in the table, the CLI gives %d", n, len(wantRows))
	}
	var first struct {
		Timestamp string `json:"@timestamp"`
	}
	json.Unmarshal([]byte(wantRows[0]), &first)
	if ts := eval(`document.querySelector("#rows tbody tr td:nth-child(2)").textContent`); ts != first.Timestamp {
		t.Errorf("first row's @timestamp %q, the CLI's %q", ts, first.Timestamp)
	}
	if f := eval(`document.getElementById("fields").textContent`); !strings.Contains(f, "user.username") {
		t.Errorf("discovered fields: %q", f)
	}
	if s := eval(`document.getElementById("statusText").textContent`); !strings.HasPrefix(s, "Done. 20 row(s)") {
		t.Errorf("status %q", s)
	}
	if h := eval(`localStorage.getItem("auditgrep.history")`); !strings.Contains(h, "kubernetes-admin") {
		t.Errorf("history %q", h)
	}

	// One event, whole and formatted.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#rows tbody tr")), chromedp.WaitVisible(chromedp.ID("eventJSON"))); err != nil {
		t.Fatal(err)
	}
	evText := eval(`document.getElementById("eventJSON").textContent`)
	var ev struct {
		Timestamp string `json:"@timestamp"`
		Message   struct {
			Kind string
			User struct{ Username string }
		} `json:"@message"`
	}
	if err := json.Unmarshal([]byte(evText), &ev); err != nil || ev.Timestamp != first.Timestamp || ev.Message.Kind != "Event" ||
		!strings.Contains(ev.Message.User.Username, "kubernetes-admin") || !strings.Contains(evText, "\n  \"@message\": {\n") {
		t.Errorf("event view (%v):\n%s", err, evText)
	}

	// A discovered field joins the query's fields command.
	if q := eval(`[...document.querySelectorAll("#fields li")].find(l => l.lastChild.textContent === "verb").click(), document.getElementById("query").value`); !strings.HasPrefix(q, "fields @logStream, @timestamp, @message, verb\n| filter") {
		t.Errorf("after clicking the field verb, the query is:\n%s", q)
	}

	// The CSV download: the whole result, through the browser.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("eventClose")), chromedp.Click(chromedp.ID("dlCSV"))); err != nil {
		t.Fatal(err)
	}
	var guid string
	for ev, err := range downloads {
		if err != nil {
			t.Fatalf("waiting for the download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatalf("download canceled")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			guid = ev.GUID
			break
		}
	}
	b, err := os.ReadFile(filepath.Join(dlDir, guid))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := readCSV(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 21 || strings.Join(recs[0], ",") != "@logStream,@timestamp,@message" || recs[1][1] != first.Timestamp {
		t.Errorf("CSV: %d records, header %v, first %v", len(recs), recs[0], recs[1:2])
	}

	if dir := os.Getenv("AUDITGREP_SCREENSHOTS"); dir != "" {
		screenshots(t, ctx, dir, waitEnd)
	}
}

func ptrTo[T any](v T) *T { return &v }

// startBrowser starts a headless Chromium for the test and stops it (and waits for the process
// to exit) at its end. bctx is the browser's context; ctx bounds the test's steps so that a page
// that never gets there fails instead of hanging.
func startBrowser(t *testing.T, bin string) (bctx, ctx context.Context) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		// Containers and CI run as root, where Chromium's sandbox cannot start.
		chromedp.NoSandbox,
		chromedp.WindowSize(1200, 760),
		chromedp.Flag("disable-gpu", true),
	)
	actx, stopAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, stopBrowser := chromedp.NewContext(actx)
	// Closing the browser context ends the browser; the allocator's cancel waits for the
	// process to exit.
	t.Cleanup(func() { stopBrowser(); stopAlloc() })
	ctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	t.Cleanup(cancel)
	// The first Run starts the browser, on the context without the timeout (see chromedp.Run).
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	return bctx, ctx
}

// TestBrowserCancel: the page's Cancel button, and leaving the page, stop the run on the server.
// The run's first batch waits until the run's context ends, so the run is going on when the page
// cancels it, and it can only finish by being canceled.
func TestBrowserCancel(t *testing.T) {
	bin := findBrowser()
	if bin == "" {
		t.Skip("no Chromium or Chrome binary on PATH (Debian: apt-get install chromium; .ci/run installs it): the end-to-end browser test cannot run")
	}
	s, results, _, _ := cancelSetup(t)
	_, ctx := startBrowser(t, bin)
	reading := chromedp.Poll[chromedp.Void](`document.getElementById("statusText").textContent.startsWith("Reading 30 file(s)")`)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.url("/", nil)),
		chromedp.WaitVisible(chromedp.CSS("#presets li")),
		chromedp.SetValue(chromedp.ID("query"), "fields n"),
		chromedp.Click(chromedp.ID("run")),
		reading,
		chromedp.Click(chromedp.ID("cancel")),
		chromedp.Poll[chromedp.Void](`document.getElementById("statusText").textContent.startsWith("Canceled")`),
	); err != nil {
		t.Fatal(err)
	}
	if r := <-results; !r.Canceled {
		t.Errorf("Cancel: the run ended %+v", r)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("run")), reading, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if r := <-results; !r.Canceled {
		t.Errorf("leaving the page: the run ended %+v", r)
	}
}

// screenshots saves the README's pictures: the events of a query with their histogram, and a
// stats query by bin() as a chart.
func screenshots(t *testing.T, ctx context.Context, dir string, waitEnd chromedp.Action[chromedp.Void]) {
	shot := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
		b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", name, len(b))
	}
	shot("serve-events.png",
		chromedp.SetValue(chromedp.ID("query"), "filter @logStream like /^kube-apiserver-audit/\n| fields @timestamp, verb, user.username, objectRef.resource, responseStatus.code\n| sort @timestamp desc"),
		chromedp.Click(chromedp.ID("run")), waitEnd,
		chromedp.Click(chromedp.CSS("#rows tbody tr:nth-child(3)")), chromedp.WaitVisible(chromedp.ID("eventJSON")))
	shot("serve-stats.png",
		chromedp.Click(chromedp.ID("eventClose")),
		chromedp.SetValue(chromedp.ID("query"), "filter @logStream like /^kube-apiserver-audit/\n| stats count(*) as requests by bin(5m), verb"),
		chromedp.Click(chromedp.ID("run")), waitEnd)
}
