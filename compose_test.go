package facturo_test

import (
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// composeFile is the part of docker-compose.yml the checks read.
type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Restart     string            `yaml:"restart"`
		Entrypoint  []string          `yaml:"entrypoint"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
}

// imageTools are the commands an image (matched by name) has, and whether
// it has a shell for CMD-SHELL.
type imageTools struct {
	image    *regexp.Regexp
	commands []string
	shell    bool
}

// imageCommands are the health-check commands each image really has. The
// plain nats image is FROM scratch (nats-server only: no shell, no wget);
// its -alpine variant has busybox.
var imageCommands = []imageTools{
	{regexp.MustCompile(`^postgres:\d+(\.\d+)?$`), []string{"pg_isready"}, true},
	{regexp.MustCompile(`^nats:[\d.]+-alpine$`), []string{"wget", "nc"}, true},
	{regexp.MustCompile(`^nats:[\d.]+$`), []string{"nats-server"}, false},
}

// TestComposeFile checks docker-compose.yml against what its images and
// the Dockerfile really contain, so that `docker compose up` starts: each
// dependency exists, each health check runs a command its image has, the
// binaries are those the Dockerfile builds, the environment is what the
// processes read, ports agree, every service restarts, and the build
// context leaves local state out. Where docker compose is installed it
// also validates the file with it.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	binaries := dockerfileBinaries(t)
	for name, s := range c.Services {
		if s.Restart != "unless-stopped" && s.Restart != "always" && !strings.HasPrefix(s.Restart, "on-failure") {
			t.Errorf("%s: restart %q: a process that exits is never started again", name, s.Restart)
		}
		for dep := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("%s depends on %s, which is not a service", name, dep)
			}
			if s.DependsOn[dep].Condition == "service_healthy" && len(c.Services[dep].Healthcheck.Test) == 0 {
				t.Errorf("%s waits for %s to be healthy, which has no health check", name, dep)
			}
		}
		if len(s.Healthcheck.Test) < 2 {
			t.Errorf("%s: no health check", name)
			continue
		}
		if s.Build != nil {
			checkBuiltService(t, name, s.Entrypoint, s.Healthcheck.Test, binaries)
			checkEnvironment(t, name, s.Environment, c)
		} else {
			checkImageHealthcheck(t, name, s.Image, s.Command, s.Healthcheck.Test)
		}
	}
	api := c.Services["api"]
	if !slices.ContainsFunc(api.Ports, func(p string) bool { return strings.HasSuffix(p, ":"+port(t, api.Environment["FACTURO_ADDR"])) }) {
		t.Errorf("api publishes %v, not the port of FACTURO_ADDR %s", api.Ports, api.Environment["FACTURO_ADDR"])
	}
	checkDockerignore(t)
	if out, err := exec.Command("docker", "compose", "version").CombinedOutput(); err == nil {
		cmd := exec.Command("docker", "compose", "-f", "docker-compose.yml", "config", "-q")
		cmd.Env = append(os.Environ(), "FACTURO_ADMIN_KEY=compose_test_operator_key_0123456789")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("docker compose config: %v\n%s", err, out)
		}
	} else {
		t.Logf("docker compose not available (%s): the YAML checks stand alone", strings.TrimSpace(string(out)))
	}
}

// dockerfileBinaries returns the binaries the Dockerfile puts in
// /usr/local/bin of its final, distroless stage: one per cmd/ directory.
func dockerfileBinaries(t *testing.T) []string {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	for _, want := range []string{"go build", "-o /out/ ./cmd/...", "COPY --from=build /out/ /usr/local/bin/", "FROM gcr.io/distroless/"} {
		if !strings.Contains(df, want) {
			t.Fatalf("Dockerfile no longer has %q: update TestComposeFile with how it builds the binaries", want)
		}
	}
	dirs, err := os.ReadDir("cmd")
	if err != nil {
		t.Fatal(err)
	}
	var bins []string
	for _, d := range dirs {
		if d.IsDir() {
			bins = append(bins, "/usr/local/bin/"+d.Name())
		}
	}
	return bins
}

// checkBuiltService: the image is distroless (no shell), so the entrypoint
// and health check must be binaries the Dockerfile builds, and the health
// check must probe the port the process listens on.
func checkBuiltService(t *testing.T, name string, entrypoint, test, binaries []string) {
	t.Helper()
	if len(entrypoint) == 0 || !slices.Contains(binaries, entrypoint[0]) {
		t.Errorf("%s: entrypoint %v is not a binary the Dockerfile builds %v", name, entrypoint, binaries)
	}
	if test[0] != "CMD" || !slices.Contains(binaries, test[1]) {
		t.Errorf("%s: health check %v: the distroless image has no shell; use one of %v", name, test, binaries)
	}
}

// checkEnvironment: the processes read DATABASE_URL, NATS_URL and the
// operator key; every variable set is one they read; the URLs name
// services of the file; the health check probes the address listened on.
func checkEnvironment(t *testing.T, name string, env map[string]string, c composeFile) {
	t.Helper()
	config, err := os.ReadFile("internal/app/config.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"DATABASE_URL", "NATS_URL", "FACTURO_ADMIN_KEY"} {
		if env[v] == "" {
			t.Errorf("%s: %s is not set", name, v)
		}
	}
	for v := range env {
		if !strings.Contains(string(config), `getenv("`+v+`")`) {
			t.Errorf("%s: %s is set but internal/app/config.go never reads it", name, v)
		}
	}
	for _, v := range []string{"DATABASE_URL", "NATS_URL"} {
		u, err := url.Parse(env[v])
		if err != nil {
			t.Errorf("%s: %s: %v", name, v, err)
			continue
		}
		if _, ok := c.Services[u.Hostname()]; !ok {
			t.Errorf("%s: %s points at %q, which is not a service", name, v, u.Hostname())
		}
	}
	probe := c.Services[name].Healthcheck.Test
	u, err := url.Parse(probe[len(probe)-1])
	if err != nil || (u.Port() != port(t, env["FACTURO_ADDR"]) && u.Port() != port(t, env["FACTURO_METRICS_ADDR"])) {
		t.Errorf("%s: health check %v probes no address the process listens on", name, probe)
	}
}

// checkImageHealthcheck: the health check's command exists in the image,
// and a monitoring probe targets the port the server was told to open.
func checkImageHealthcheck(t *testing.T, name, image string, command, test []string) {
	t.Helper()
	i := slices.IndexFunc(imageCommands, func(ic imageTools) bool { return ic.image.MatchString(image) })
	if i < 0 {
		t.Errorf("%s: image %q: which commands does it have? add it to imageCommands", name, image)
		return
	}
	ic := imageCommands[i]
	bin := test[1]
	if test[0] == "CMD-SHELL" {
		if !ic.shell {
			t.Errorf("%s: health check %v needs a shell; %s has none", name, test, image)
			return
		}
		bin = strings.Fields(test[1])[0]
	}
	if !slices.Contains(ic.commands, path.Base(bin)) {
		t.Errorf("%s: health check runs %q, which %s does not have (it has %v)", name, bin, image, ic.commands)
	}
	if strings.HasPrefix(image, "nats:") {
		m := slices.Index(command, "-m")
		if m < 0 || m+1 >= len(command) || !strings.Contains(strings.Join(test, " "), ":"+command[m+1]+"/healthz") {
			t.Errorf("%s: health check %v does not probe the monitoring port of %v", name, test, command)
		}
		if !slices.Contains(command, "-js") {
			t.Errorf("%s: JetStream is not enabled (-js): %v", name, command)
		}
	}
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Errorf("address %q: %v", addr, err)
	}
	return p
}

// checkDockerignore: `COPY . .` must not send local state (the all-in-one
// cluster and operator key under .data), binaries or history into the
// image.
func checkDockerignore(t *testing.T) {
	t.Helper()
	raw, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatalf(".dockerignore: %v (COPY . . would send .data, with the operator key, into the image)", err)
	}
	lines := strings.Fields(string(raw))
	for _, want := range []string{".data", "bin", ".git", "*.test"} {
		if !slices.Contains(lines, want) && !slices.Contains(lines, "/"+want) {
			t.Errorf(".dockerignore does not exclude %s", want)
		}
	}
}
