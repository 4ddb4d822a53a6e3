# soilmap: `make demo` and `make test` set up a fresh Debian machine (GDAL, PROJ) and run.
SHELL := /bin/bash
SWIFT ?= swift
# chromium: the run report's tests run its script and draw it headless.
APT_PACKAGES := libgdal-dev libproj-dev gdal-bin libtiff-dev libdeflate-dev libzstd-dev libssl-dev libxxhash-dev xxhash python3-gdal python3-numpy python3-venv libcairo2-dev fonts-dejavu-core chromium
# R gstat: the reference for the variogram fit of `soilmap grid` (Tests/reference/survey_reference.py).
APT_PACKAGES += r-cran-gstat
# postgresql-15-postgis-3: the database tests start a private PostgreSQL 15 + PostGIS 3 server.
APT_PACKAGES += postgresql-15-postgis-3
# Python peers for cross-checks and benchmarks; Debian's GDAL bindings need numpy 1.24 (Debian's own).
# pystac 1.11 is the last release that ships the STAC 1.0.0 JSON schemas (validation of run catalogs, offline).
VENV ?= /opt/soilmap-venv
VENV_PACKAGES := numpy==1.24.2 spyndex rasterstats exactextract jenkspy 'pystac[validation]==1.11.0'
# scikit-learn and statsmodels: the references of train, predict and assess; pandas pinned below 3 (3.x pulls numpy 2).
VENV_PACKAGES += scikit-learn==1.3.2 statsmodels==0.14.0 pandas==2.0.3
# PyKrige: the kriging reference of `soilmap grid`; rasterio: the sampling peer of `soilmap sample` (bench).
VENV_PACKAGES += pykrige==1.7.2 rasterio==1.3.11
# pyproj: ellipsoidal polygon areas, the reference of the zonal area tables.
VENV_PACKAGES += pyproj==3.6.1
export SOILMAP_VENV := $(VENV)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN := .build/release/soilmap
DEMO_OUT := out/demo

.PHONY: all setup swift venv build test mutation demo bench install clean
PREFIX ?= /usr/local

all: build

# Installs the Debian packages soilmap needs, only those that are missing.
setup:
	@missing=""; \
	for package in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "setup: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "setup: $(APT_PACKAGES) already installed"; \
	fi

# A venv that sees Debian's GDAL bindings, with the PyPI reference tools; made once, kept outside the checkout.
venv: setup
	@if $(VENV)/bin/python -c "import numpy, spyndex, rasterstats, exactextract, jenkspy, jsonschema, pystac, sklearn, statsmodels, pykrige, rasterio, pyproj; assert pystac.__version__ == '1.11.0' and sklearn.__version__ == '1.3.2' and numpy.__version__ == '1.24.2'" 2>/dev/null; then \
	  echo "venv: $(VENV) ready"; \
	else \
	  echo "venv: creating $(VENV) with $(VENV_PACKAGES)"; \
	  /usr/bin/python3 -m venv --system-site-packages $(VENV) && \
	  $(VENV)/bin/pip install -q --disable-pip-version-check $(VENV_PACKAGES); \
	fi

# soilmap needs a Swift 6 toolchain (swift.org's tarball for Debian/Ubuntu, its usr/bin on PATH).
swift:
	@version=$$($(SWIFT) --version 2>/dev/null | sed -n 's/.*Swift version \([0-9]*\).*/\1/p' | head -1); \
	if [ -z "$$version" ]; then echo "make: no Swift toolchain found ('$(SWIFT)'): install Swift 6 from https://www.swift.org/install/linux/ and put its usr/bin on PATH" >&2; exit 1; fi; \
	if [ "$$version" -lt 6 ]; then echo "make: Swift $$version found, soilmap needs Swift 6 (https://www.swift.org/install/linux/)" >&2; exit 1; fi

build: setup swift
	$(SWIFT) build -c release

test: setup swift venv
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel

# Deliberate one-line bugs (bench/mutants.txt), each built alone in a copy of the tree (MUTATION_DIR, default
# /tmp/soilmap-mutation) and run against the tests it names (FULL=1: the whole suite); prints the score and survivors.
# Not part of `make test`: a few minutes per mutant on 2 cores. MUTANTS=a,b runs only those.
mutation: setup swift venv
	bash bench/mutation.sh

# The main job on the real samples, as a pipeline (pipelines/demo.yaml): indices -> classes (with a quicklook map)
# -> statistics per census tract and neighbourhood -> report, in the run directory out/demo; then verified.
demo: build
	@rm -rf $(DEMO_OUT)
	$(RELEASE_BIN) info samples/olinda/L7_ETMs.tif
	$(RELEASE_BIN) validate pipelines/demo.yaml
	$(RELEASE_BIN) run pipelines/demo.yaml --set out=$(DEMO_OUT) --set database=$(DEMO_OUT)/soilhealth.gpkg --log-format text
	$(RELEASE_BIN) run pipelines/demo.yaml --set out=$(DEMO_OUT) --set database=$(DEMO_OUT)/soilhealth.gpkg --log-format text
	$(RELEASE_BIN) verify $(DEMO_OUT)
	$(RELEASE_BIN) query $(DEMO_OUT)/soilhealth.gpkg --indicator classes_by_tract --level province --period 2025 | cut -d, -f1-8,19-21 | head -6
	@echo
	@echo "demo: outputs in $(DEMO_OUT)/ (the second run reused every step; verify recomputed each output byte for byte)"
	@echo "  olinda_indices.tif            NDVI, NDMI, BSI, NDSI, SI3 (Float32, one band each)"
	@echo "  olinda_ndvi_classes.tif       NDVI classes with colour table and Vietnamese category names (open in QGIS)"
	@echo "  olinda_ndvi_classes.png       the quicklook map: classes, legend, title, scale bar"
	@echo "  olinda_ndvi_by_tract.csv      NDVI statistics per census tract (coverage-weighted), per neighbourhood, and total"
	@echo "  olinda_classes_by_tract.gpkg  hectares and shares of each class per tract, with geometry (choropleth-ready)"
	@echo "  olinda_ndvi_classes.qml       its QGIS style (classes, colours, labels), loaded by QGIS with the map"
	@echo "  manifest.json, run.log        inputs and outputs with SHA-256, parameters, versions, timings; the run's log"
	@echo "  report.html, catalog.json     the run's report (open in a browser) and its STAC catalog"
	@echo "  soilhealth.gpkg               the soil-health database each run published itself into (publish: in the pipeline; the second run: nothing changed)"

# Times soilmap beside the tools users would otherwise run (gdal_calc.py, OTB, numpy, gdal_translate floors,
# exactextract, rasterstats), medians of BENCH_REPEAT runs, ratios and peak memory; tables in bench/results/.
# Generates its inputs once under bench/work/ (about 5 GB, including a 1-gigapixel input).
bench: build venv
	SOILMAP=$(RELEASE_BIN) BENCH_FULL=$${BENCH_FULL:-1} bash bench/run.sh

# The binary and its shell completions (bash, zsh, fish) under PREFIX (default /usr/local).
install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/soilmap
	$(RELEASE_BIN) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/soilmap
	$(RELEASE_BIN) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_soilmap
	$(RELEASE_BIN) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/soilmap.fish
	@echo "install: $(DESTDIR)$(PREFIX)/bin/soilmap and its completions"

clean:
	rm -rf .build out
