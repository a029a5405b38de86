// Package serve is `auditgrep serve`: a local web console over exports, like the CloudWatch Logs
// Insights console, on the same engine as the command line. One page (embedded, no network
// needed) runs queries over the paths given at start, streams the rows with the progress, draws
// the histogram or the stats chart, lists the discovered fields, and downloads the whole result
// with the CLI's writers.
//
// Security model: every request carries a random token (in the URL printed at start, then in an
// HttpOnly SameSite=Strict cookie); the server listens on loopback unless told otherwise; a
// request chooses among the paths given at start by number, never by path, and a symbolic link
// leading out of them is not followed; nothing is ever written on the server.
package serve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"
)

//go:embed web
var webFS embed.FS

// Config is what a server serves and how.
type Config struct {
	// Paths are the files and directories the page may query (the command line's PATHs).
	Paths []string
	// Addr is the address to listen on (Run); default 127.0.0.1:0, a free port on loopback.
	Addr string
	// AllowRemote permits an Addr that is not a loopback address.
	AllowRemote bool
	// Token is the access token; empty means a random one (crypto/rand).
	Token string
	// MaxRows is how many rows the page gets of a result (default 1000); a download has them all.
	MaxRows int
	// MaxRuns is how many runs (page runs and downloads) may go on at once (default 4); one more
	// is refused with 503.
	MaxRuns int
	// Workers is the number of files each run reads at once (default: all cores).
	Workers int
	// LogGroup and Account fill @log where the input does not carry it, as the CLI's
	// --log-group and --account do.
	LogGroup, Account string
	// Version goes into the page and into Parquet downloads' metadata.
	Version string
}

// Server is the console's http.Handler.
type Server struct {
	cfg        Config
	roots      []root
	token      string
	cookieName string
	sem        chan struct{}
	mux        *http.ServeMux

	mu   sync.Mutex
	runs map[string]context.CancelFunc

	// hooks are for tests: they observe a run from the inside.
	hooks hooks
}

type hooks struct {
	// batch is called for every batch a run reads, with the run's context.
	batch func(ctx context.Context)
	// done is called when a run (page or download) has returned from the engine.
	done func(res runResult)
}

// runResult is what a finished run reports to hooks.done.
type runResult struct {
	ID       string
	Canceled bool
	Stats    runStats
	Err      error
}

// New checks the configuration and the paths and returns the handler.
func New(cfg Config) (*Server, error) {
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = 1000
	}
	if cfg.MaxRuns <= 0 {
		cfg.MaxRuns = 4
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	roots, err := newRoots(cfg.Paths)
	if err != nil {
		return nil, err
	}
	token := cfg.Token
	if token == "" {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		token = hex.EncodeToString(b)
	}
	// The cookie's name is the token's own, so that two servers on one host (cookies do not
	// tell ports apart) do not overwrite each other's.
	sum := sha256.Sum256([]byte(token))
	s := &Server{cfg: cfg, roots: roots, token: token, cookieName: "auditgrep-" + hex.EncodeToString(sum[:6]),
		sem: make(chan struct{}, cfg.MaxRuns), runs: map[string]context.CancelFunc{}}
	s.routes()
	return s, nil
}

// Token is the access token the URL must carry.
func (s *Server) Token() string { return s.token }

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	static, _ := fs.Sub(webFS, "web")
	s.mux.HandleFunc("GET /{$}", s.handleIndex)
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.FS(static))))
	s.mux.HandleFunc("GET /api/info", s.handleInfo)
	s.mux.HandleFunc("GET /api/preset", s.handlePreset)
	s.mux.HandleFunc("POST /api/run", s.handleRun)
	s.mux.HandleFunc("POST /api/cancel", s.handleCancel)
	s.mux.HandleFunc("GET /api/download", s.handleDownload)
}

// ServeHTTP checks the token, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if t := r.URL.Query().Get("token"); t != "" {
		if !s.tokenOK(t) {
			s.refuse(w)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: s.cookieName, Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		if r.Method == http.MethodGet && r.URL.Path == "/" {
			// The token leaves the address bar and the history: the cookie carries it now.
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
	} else if c, err := r.Cookie(s.cookieName); err != nil || !s.tokenOK(c.Value) {
		s.refuse(w)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) tokenOK(t string) bool {
	return subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1
}

func (s *Server) refuse(w http.ResponseWriter) {
	http.Error(w, "auditgrep serve: this needs the access token: open the URL that auditgrep serve printed (it ends in ?token=...)", http.StatusForbidden)
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	b, err := webFS.ReadFile("web/index.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b)
}

type rootJSON struct {
	Index int    `json:"index"`
	Path  string `json:"path"`
	Dir   bool   `json:"dir"`
}

func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	info := struct {
		Version string       `json:"version"`
		Roots   []rootJSON   `json:"roots"`
		Presets []presetInfo `json:"presets"`
		MaxRows int          `json:"maxRows"`
		MaxRuns int          `json:"maxRuns"`
	}{Version: s.cfg.Version, Presets: presetList(), MaxRows: s.cfg.MaxRows, MaxRuns: s.cfg.MaxRuns}
	for i, rt := range s.roots {
		info.Roots = append(info.Roots, rootJSON{Index: i, Path: rt.Path, Dir: rt.isDir})
	}
	writeJSON(w, http.StatusOK, info)
}

// handlePreset expands a preset with its parameters (p.NAME=VALUE) into a query text.
func (s *Server) handlePreset(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	params := map[string]string{}
	for k, v := range q {
		if name, ok := strings.CutPrefix(k, "p."); ok && len(v) > 0 && v[0] != "" {
			params[name] = v[0]
		}
	}
	text, err := expandPreset(q.Get("name"), params)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"query": text})
}

func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	s.mu.Lock()
	cancel, ok := s.runs[id]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no run " + id + " is going on"})
		return
	}
	cancel()
	writeJSON(w, http.StatusOK, map[string]string{"canceled": id})
}

// acquire takes a run slot, or says why not.
func (s *Server) acquire(w http.ResponseWriter) bool {
	select {
	case s.sem <- struct{}{}:
		return true
	default:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{
			"error": fmt.Sprintf("%d runs are going on already (the most at once): wait for one to end or cancel it", s.cfg.MaxRuns)})
		return false
	}
}

func (s *Server) release() { <-s.sem }

// begin starts a run for a request: it takes a run slot (or answers 503) and registers the run,
// under id, so that the cancel endpoint and the request's own end stop it. end gives both back
// and then shows res to the test hook.
func (s *Server) begin(w http.ResponseWriter, r *http.Request) (ctx context.Context, id string, end func(res runResult), ok bool) {
	if !s.acquire(w) {
		return nil, "", nil, false
	}
	ctx, cancel := context.WithCancel(r.Context())
	id = s.register(cancel)
	return ctx, id, func(res runResult) {
		s.unregister(id)
		cancel()
		s.release()
		if s.hooks.done != nil {
			s.hooks.done(res)
		}
	}, true
}

// register makes a run cancelable by its id.
func (s *Server) register(cancel context.CancelFunc) string {
	b := make([]byte, 8)
	rand.Read(b)
	id := hex.EncodeToString(b)
	s.mu.Lock()
	s.runs[id] = cancel
	s.mu.Unlock()
	return id
}

func (s *Server) unregister(id string) {
	s.mu.Lock()
	delete(s.runs, id)
	s.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// Run listens on cfg.Addr, prints the URL to open (with the token) on out, and serves until ctx
// is done; the runs going on are then canceled.
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %v", cfg.Addr, err)
	}
	loopback := isLoopback(host)
	if !loopback && !cfg.AllowRemote {
		return fmt.Errorf("--addr %s is not a loopback address: anyone who can reach it and learns the token reads the exports; add --allow-remote to mean it", cfg.Addr)
	}
	s, err := New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if !loopback {
		fmt.Fprintf(out, "auditgrep serve: WARNING: listening on %s, not only on this machine: the token is all that protects the exports, and the traffic is not encrypted (plain HTTP)\n", ln.Addr())
	}
	urlHost := ln.Addr().String()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		urlHost = net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	fmt.Fprintf(out, "auditgrep serve: open http://%s/?token=%s\n", urlHost, s.Token())
	fmt.Fprintf(out, "auditgrep serve: serving %d path(s); Ctrl-C stops\n", len(cfg.Paths))
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// Requests' contexts end with ctx, so that stopping the server stops the runs too.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
