# soilmap: `make demo` and `make test` set up a fresh Debian machine (GDAL, PROJ) and run.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libgdal-dev libproj-dev gdal-bin python3-gdal python3-numpy python3-venv libcairo2-dev fonts-dejavu-core
# Python peers for cross-checks and benchmarks; Debian's GDAL bindings need numpy 1.24 (Debian's own).
VENV ?= /opt/soilmap-venv
VENV_PACKAGES := numpy==1.24.2 spyndex rasterstats exactextract jenkspy
export SOILMAP_VENV := $(VENV)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN := .build/release/soilmap
DEMO_OUT := out/demo

.PHONY: all setup venv build test demo bench clean

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
	@if $(VENV)/bin/python -c "import spyndex, rasterstats, exactextract, jenkspy" 2>/dev/null; then \
	  echo "venv: $(VENV) ready"; \
	else \
	  echo "venv: creating $(VENV) with $(VENV_PACKAGES)"; \
	  /usr/bin/python3 -m venv --system-site-packages $(VENV) && \
	  $(VENV)/bin/pip install -q --disable-pip-version-check $(VENV_PACKAGES); \
	fi

build: setup
	$(SWIFT) build -c release

test: setup venv
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel

demo: build
	@mkdir -p $(DEMO_OUT)
	@echo "== soilmap info on the samples"
	$(RELEASE_BIN) info samples/olinda/L7_ETMs.tif
	$(RELEASE_BIN) info samples/olinda/olinda1.shp
	$(RELEASE_BIN) info samples/luxembourg/elev.tif
	$(RELEASE_BIN) info --json samples/olinda/L7_ETMs.tif > $(DEMO_OUT)/L7_ETMs.info.json
	@echo "demo: JSON description written to $(DEMO_OUT)/L7_ETMs.info.json"

clean:
	rm -rf .build out
