# soilmap: `make demo` and `make test` set up a fresh Debian machine (GDAL, PROJ) and run.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libgdal-dev libproj-dev gdal-bin libtiff-dev libdeflate-dev libzstd-dev libssl-dev python3-gdal python3-numpy python3-venv libcairo2-dev fonts-dejavu-core
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

# The main job on the real samples: indices -> classes (with a quicklook map) -> statistics per census tract.
demo: build
	@rm -rf $(DEMO_OUT) && mkdir -p $(DEMO_OUT)
	$(RELEASE_BIN) info samples/olinda/L7_ETMs.tif
	$(RELEASE_BIN) index NDVI,NDMI,BSI,NDSI,SI3 -i samples/olinda/L7_ETMs.tif --band blue=1 --band green=2 --band red=3 \
	  --band nir=4 --band swir1=5 --scale 0.01 -q -o $(DEMO_OUT)/olinda_indices.tif
	$(RELEASE_BIN) classify $(DEMO_OUT)/olinda_indices.tif --band 1 --scheme samples/schemes/ndvi-cover.yaml --labels vi \
	  -o $(DEMO_OUT)/olinda_ndvi_classes.tif --quicklook $(DEMO_OUT)/olinda_ndvi_classes.png --title "Olinda — NDVI (Landsat 7)"
	$(RELEASE_BIN) zonal $(DEMO_OUT)/olinda_indices.tif --band 1 --zones samples/olinda/olinda1.shp --id-field CD_GEOCODI \
	  --name-field NM_BAIR --group-field CD_GEOCODB --group-name-field NM_BAIR --mode coverage --stats count,mean,min,max,std \
	  -o $(DEMO_OUT)/olinda_ndvi_by_tract.csv -q
	$(RELEASE_BIN) zonal $(DEMO_OUT)/olinda_ndvi_classes.tif --zones samples/olinda/olinda1.shp --id-field CD_GEOCODI \
	  --name-field NM_BAIR --group-field CD_GEOCODB --group-name-field NM_BAIR --target '>=3:50%' \
	  -o $(DEMO_OUT)/olinda_classes_by_tract.gpkg -q
	@echo
	@echo "demo: outputs in $(DEMO_OUT)/"
	@echo "  olinda_indices.tif            NDVI, NDMI, BSI, NDSI, SI3 (Float32, one band each)"
	@echo "  olinda_ndvi_classes.tif       NDVI classes with colour table and Vietnamese category names (open in QGIS)"
	@echo "  olinda_ndvi_classes.png       the quicklook map: classes, legend, title, scale bar"
	@echo "  olinda_ndvi_by_tract.csv      NDVI statistics per census tract (coverage-weighted), per neighbourhood, and total"
	@echo "  olinda_classes_by_tract.gpkg  hectares and shares of each class per tract, with geometry (choropleth-ready)"

# Times soilmap beside the tools users would otherwise run (gdal_calc.py, OTB, numpy, gdal_translate floors,
# exactextract, rasterstats), medians of BENCH_REPEAT runs, ratios and peak memory; tables in bench/results/.
# Generates its inputs once under bench/work/ (about 5 GB, including a 1-gigapixel input).
bench: build venv
	SOILMAP=$(RELEASE_BIN) BENCH_FULL=$${BENCH_FULL:-1} bash bench/run.sh

clean:
	rm -rf .build out
