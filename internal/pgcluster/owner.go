package pgcluster

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// owner is the system user the server runs as. PostgreSQL refuses to run as
// root, so when we are root the server runs as the "postgres" system user
// that the distribution packages create; otherwise it runs as ourselves.
type owner struct {
	name     string
	uid, gid uint32
	switched bool // true when the child must drop from root to this user
}

func serverOwner() (owner, error) {
	if os.Geteuid() != 0 {
		return owner{name: "(current user)", uid: uint32(os.Geteuid()), gid: uint32(os.Getegid())}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return owner{}, fmt.Errorf("pgcluster: running as root, and PostgreSQL refuses to: "+
			"need the system user \"postgres\" to run the server as (it comes with the postgresql package): %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return owner{}, fmt.Errorf("pgcluster: user postgres has non-numeric uid %q / gid %q", u.Uid, u.Gid)
	}
	return owner{name: "postgres", uid: uint32(uid), gid: uint32(gid), switched: true}, nil
}

// credential is what the child process runs with; nil means "as we are".
func (o owner) credential() *syscall.Credential {
	if !o.switched {
		return nil
	}
	return &syscall.Credential{Uid: o.uid, Gid: o.gid}
}

// prepareDataDir creates dir if missing, hands it to the owner and checks
// that the owner can reach it through every parent directory: a data dir
// under a root-only directory (t.TempDir, /root) fails here with a message
// naming the culprit rather than inside initdb with "permission denied".
func prepareDataDir(dir string, o owner) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("pgcluster: create parent of data dir: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return fmt.Errorf("pgcluster: create data dir: %w", err)
	}
	if o.switched {
		if err := chownTree(dir, o); err != nil {
			return err
		}
		if err := checkTraversable(filepath.Dir(dir), o); err != nil {
			return err
		}
	}
	return nil
}

// chownTree gives dir and, if it was not already the owner's, everything
// under it to o (a data dir first created by another user, or a copy).
func chownTree(dir string, o owner) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == o.uid && st.Gid == o.gid {
		return nil
	}
	err = filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(o.uid), int(o.gid))
	})
	if err != nil {
		return fmt.Errorf("pgcluster: give data dir to user %s: %w", o.name, err)
	}
	return nil
}

// checkTraversable walks from dir up to / and fails on the first directory
// that o may not search (x permission for its class of user).
func checkTraversable(dir string, o owner) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok {
			perm := fi.Mode().Perm()
			var can bool
			switch {
			case st.Uid == o.uid:
				can = perm&0o100 != 0
			case st.Gid == o.gid:
				can = perm&0o010 != 0
			default:
				can = perm&0o001 != 0
			}
			if !can {
				return fmt.Errorf("pgcluster: user %s cannot reach the data dir: %s has mode %04o "+
					"(put the data dir elsewhere, or chmod o+x %s)", o.name, d, perm, d)
			}
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}
