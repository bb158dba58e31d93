# Criticality: build, test, demo and benchmark. Each target installs FFTW when it is missing.
SWIFT ?= swift
# Release builds target the host CPU: the vectorised noise generator is 3× faster with AVX2/AVX-512
# than at the x86-64 baseline, and results are bitwise the same (Swift never fuses multiply-adds
# on its own). `make demo CPU=` (or test, build) builds for the baseline.
CPU ?= -Xswiftc -target-cpu -Xswiftc native
BIN = .build/release/criticality

.PHONY: demo test test-mpi bench golden example docs build build-mpi fftw mpi pydeps trained-example install uninstall clean

fftw:
	@if [ ! -f /usr/include/fftw3.h ]; then \
	  echo "Installing FFTW (libfftw3-dev)..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update && $$SUDO apt-get install -y libfftw3-dev; \
	fi

build: fftw
	$(SWIFT) build -c release --product criticality $(CPU)

# The tests run optimised (with testability): the statistical checks integrate thousands of
# trajectories, which unoptimised Swift runs 10–50× slower. `make demo` builds the executable
# with the same flags in the same folder, so that `make demo` then `make test` (or the reverse)
# compile the package once; `make build` (host CPU, for `make bench`) has its own folder.
TESTFLAGS = -c release -Xswiftc -enable-testing $(CPU) --scratch-path .build-tests
DEMO = .build-tests/release/criticality

demo: fftw
	$(SWIFT) build $(TESTFLAGS) --product criticality
	$(DEMO) run parameters/quickstart.toml
	$(DEMO) run parameters/binary-patch.toml
	$(DEMO) run parameters/correlation-length.toml
	$(DEMO) run parameters/bifurcation-two-point.toml
	$(DEMO) run parameters/pulse-binary-patch.toml
	$(DEMO) run parameters/hierarchy-transition.toml
	$(DEMO) run parameters/critical-windows.toml
	$(DEMO) run parameters/latent-information.toml

# The schema test validates every example with jsonschema (PyPI); the external-model tests
# run numpy servers; the results loader's test opens every kind of run with xarray.
pydeps:
	@python3 -c "import jsonschema, numpy, xarray" 2> /dev/null || { \
	  echo "Installing jsonschema, numpy and xarray (PyPI)..."; \
	  python3 -m pip install --quiet jsonschema numpy xarray || python3 -m pip install --quiet --break-system-packages jsonschema numpy xarray; }

test: fftw pydeps
	$(SWIFT) build --build-tests $(TESTFLAGS)
	$(SWIFT) test --skip-build $(TESTFLAGS)

# The optional MPI build (the MPI package trait, Open MPI from Debian) and its tests with 2 ranks.
mpi:
	@if ! command -v mpirun > /dev/null || ! command -v pkg-config > /dev/null || ! pkg-config --exists ompi-c; then \
	  echo "Installing Open MPI (openmpi-bin, libopenmpi-dev, pkgconf)..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update && $$SUDO apt-get install -y openmpi-bin libopenmpi-dev pkgconf; \
	fi

build-mpi: fftw mpi
	$(SWIFT) build -c release --product criticality --traits MPI --scratch-path .build-mpi $(CPU)

test-mpi: build-mpi
	BIN=.build-mpi/release/criticality bash Tests/mpi/run.sh

bench: build
	$(BIN) bench

# The DocC catalogue (Sources/Criticality/Criticality.docc: an article per room, with the
# mathematics) and every public symbol's documentation, as a static site in .build-docs/site.
docs: fftw
	@# SwiftPM also tries the test runner's modules and fails on them; the library's graphs are
	@# what matters, and cp fails below if they are missing.
	-$(SWIFT) package --scratch-path .build-docs dump-symbol-graph --minimum-access-level public 2>&1 | grep -v PackageTests
	rm -rf .build-docs/symbols && mkdir -p .build-docs/symbols
	cp .build-docs/*/symbolgraph/Criticality*.symbols.json .build-docs/symbols/
	docc convert Sources/Criticality/Criticality.docc --fallback-display-name Criticality \
	  --fallback-bundle-identifier dev.criticality.Criticality --additional-symbol-graph-dir .build-docs/symbols \
	  --transform-for-static-hosting --output-path .build-docs/site --warnings-as-errors
	@echo "Documentation in .build-docs/site (serve it, e.g. python3 -m http.server -d .build-docs/site, and open /documentation/criticality)"

# The trained-network example (docs/examples/trained): trains the two small denoisers with JAX
# from PyPI (CPU; about 7 minutes on two cores), then measures them beside their ELS machines and
# draws docs/images/trained-network.svg. The committed weights serve without JAX: to rerun only
# the measurements, skip the first command.
trained-example: build pydeps
	@python3 -c "import jax" 2> /dev/null || { echo "Installing jax (PyPI, CPU)..."; \
	  python3 -m pip install --quiet "jax[cpu]==0.10.2" || python3 -m pip install --quiet --break-system-packages "jax[cpu]==0.10.2"; }
	cd docs/examples/trained && python3 train.py
	$(BIN) run parameters/trained-digits.toml --allow-external
	$(BIN) run parameters/trained-digits-els.toml
	$(BIN) run parameters/trained-brick.toml --allow-external
	$(BIN) run parameters/trained-brick-els.toml
	$(BIN) run parameters/trained-digits-pulse.toml --allow-external
	$(BIN) run parameters/pulse-digits.toml
	python3 docs/examples/trained/compare.py

# The package that uses Criticality as a library (docs/examples/library), built and run.
example: fftw
	$(SWIFT) run --package-path docs/examples/library --scratch-path .build-example

# Every example in parameters/ run again and compared, array by array, with the SHA-256 list
# Tests/golden/examples.sha256 (for refactors that must not change a bit; a few minutes).
golden: build
	BIN=$(BIN) bash Tests/golden/run.sh

# `criticality` on your PATH: the binary, its man page (generated from the argument parser by
# docs/manpage.py), shell completions for bash, zsh and fish, and the git revision it was built
# from (`criticality --version` prints it). PREFIX defaults to ~/.local (no root needed);
# `sudo make install PREFIX=/usr/local` for everyone.
PREFIX ?= $(HOME)/.local
install: build
	install -d $(PREFIX)/bin $(PREFIX)/share/criticality $(PREFIX)/share/man/man1 \
	  $(PREFIX)/share/bash-completion/completions $(PREFIX)/share/zsh/site-functions $(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(BIN) $(PREFIX)/bin/criticality
	(git describe --always --dirty --abbrev=12 2> /dev/null || echo unknown) > $(PREFIX)/share/criticality/revision
	$(BIN) --experimental-dump-help | python3 docs/manpage.py "$$($(PREFIX)/bin/criticality --version)" > $(PREFIX)/share/man/man1/criticality.1
	$(BIN) --generate-completion-script bash > $(PREFIX)/share/bash-completion/completions/criticality
	$(BIN) --generate-completion-script zsh > $(PREFIX)/share/zsh/site-functions/_criticality
	$(BIN) --generate-completion-script fish > $(PREFIX)/share/fish/vendor_completions.d/criticality.fish
	@echo "Installed $(PREFIX)/bin/criticality ($$($(PREFIX)/bin/criticality --version))."
	@case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; *) echo "Add $(PREFIX)/bin to PATH, e.g. in ~/.bashrc: export PATH=\"$(PREFIX)/bin:\$$PATH\"";; esac

uninstall:
	rm -f $(PREFIX)/bin/criticality $(PREFIX)/share/man/man1/criticality.1 $(PREFIX)/share/bash-completion/completions/criticality \
	  $(PREFIX)/share/zsh/site-functions/_criticality $(PREFIX)/share/fish/vendor_completions.d/criticality.fish
	rm -rf $(PREFIX)/share/criticality

clean:
	rm -rf .build .build-tests .build-mpi .build-example
