# shellcheck shell=bash
# Database rows (sourced by bench/run.sh). On when BENCH_DATABASE=1 (default: BENCH_FULL).
# soilmap publish of BENCH_DB_PERIODS national runs (BENCH_DB_COMMUNES communes x 30 indicators each, made by
# bench/database_runs.py) into a GeoPackage and into PostGIS (a private PostgreSQL 15 server, Tests/postgis/server.sh),
# then queries: one province's series over every period, and every commune of one period. Beside them, the floor
# of loading the same tables with ogr2ogr (no checks, no history, no units) and the same queries in plain SQL.
# Database sizes are printed to the log and written below the tables in bench/results/database.md.
if [[ ${BENCH_DATABASE:-${BENCH_FULL:-0}} == 1 ]]; then
    DDIR=$BENCH_WORK/database
    DCOMMUNES=${BENCH_DB_COMMUNES:-3321}
    DPERIODS=${BENCH_DB_PERIODS:-10}
    DRUNS=$DDIR/runs-$DCOMMUNES-$DPERIODS
    mkdir -p "$DDIR"
    [[ -f $DRUNS/run$((2024 + DPERIODS))/manifest.json ]] || "$SYS_PY" bench/database_runs.py "$DRUNS" "$DCOMMUNES" "$DPERIODS" >&2
    DPG=$DDIR/pg
    rm -rf "$DPG"
    read -r DSOCKET DPORT < <(bash Tests/postgis/server.sh start "$DPG" $$) || { bench_log "PostGIS server did not start"; DSOCKET=""; }
    DPGDB="postgresql://postgres@/soilhealth?host=$DSOCKET&port=$DPORT"
    export SOILMAP DRUNS DPERIODS DSOCKET DPORT DPGDB DDIR

    publish_all() {  # DB: every period, in order
        local run
        for run in "$DRUNS"/run*; do "$SOILMAP" publish "$run" --to "$1" -q || return 1; done
    }
    publish_all_pg() {  # a fresh PostGIS database each time
        psql -h "$DSOCKET" -p "$DPORT" -U postgres -d postgres -qX -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench" &&
            psql -h "$DSOCKET" -p "$DPORT" -U postgres -d bench -qX -c "CREATE EXTENSION postgis" &&
            publish_all "postgresql://postgres@/bench?host=$DSOCKET&port=$DPORT"
    }
    ogr2ogr_all() {  # the floor: the same CSV tables appended into one GeoPackage table
        local csv
        for csv in "$DRUNS"/run*/*.csv; do ogr2ogr -f GPKG -append -nln tables "$1" "$csv" || return 1; done
    }
    export -f publish_all publish_all_pg ogr2ogr_all
    bench_begin database
    bench_section "Publishing $DPERIODS periods x $DCOMMUNES communes x 30 indicators" "soilmap publish, GeoPackage" ""
    time_row "soilmap publish, GeoPackage" publish_all "$BENCH_OUT/soilhealth.gpkg"
    time_row "ogr2ogr -append of the same CSV tables, GeoPackage (no checks, units or history)" ogr2ogr_all "$BENCH_OUT/tables.gpkg"
    [[ -n $DSOCKET ]] && time_row "soilmap publish, PostGIS (local socket)" publish_all_pg
    # The databases the queries read, kept.
    rm -f "$DDIR/soilhealth.gpkg" && publish_all "$DDIR/soilhealth.gpkg"
    bench_section "Queries: one province's series over $DPERIODS periods; every commune of one period" "" ""
    time_row_soilmap "soilmap query, GeoPackage: province 01, som mean, all periods" query "$DDIR/soilhealth.gpkg" --indicator som_by_commune.mean --unit 01
    time_row_soilmap "soilmap query, GeoPackage: every commune, 2025" query "$DDIR/soilhealth.gpkg" --indicator som_by_commune.mean --level commune --period 2025
    if [[ -n $DSOCKET ]]; then
        time_row_soilmap "soilmap query, PostGIS: province 01, som mean, all periods" query "postgresql://postgres@/bench?host=$DSOCKET&port=$DPORT" --indicator som_by_commune.mean --unit 01
        time_row_soilmap "soilmap query, PostGIS: every commune, 2025" query "postgresql://postgres@/bench?host=$DSOCKET&port=$DPORT" --indicator som_by_commune.mean --level commune --period 2025
        DPGSIZE=$(psql -h "$DSOCKET" -p "$DPORT" -U postgres -d bench -AtX -c "SELECT pg_database_size('bench')")
    fi
    bench_render
    {
        echo
        echo "Database sizes: GeoPackage $(stat -c %s "$DDIR/soilhealth.gpkg") bytes; PostGIS ${DPGSIZE:-n/a} bytes (pg_database_size, with PostGIS's own tables);"
        echo "observations: $(ogrinfo -ro -q "$DDIR/soilhealth.gpkg" -sql "SELECT COUNT(*) AS n FROM observations" | grep -o 'n (Integer) = [0-9]*')."
    } >>"$BENCH_RESULTS/database.md"
    [[ -n $DSOCKET ]] && bash Tests/postgis/server.sh stop "$DPG"
fi
