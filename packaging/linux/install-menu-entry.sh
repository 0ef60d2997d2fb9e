#!/bin/sh
# Add NeuroLab to your desktop's application menu, for you only (no root needed).
# `./install-menu-entry.sh --help` says how (the text is in usage() below).
set -eu
APP_ID=org.neurolab.NeuroLab
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
APPS=$DATA/applications
ICONS=$DATA/icons/hicolor
MIME=$DATA/mime
BIN=$HOME/.local/bin
NL='
'

usage() {
    cat <<EOF
Usage: $0 [--install | --remove | --help]

Adds NeuroLab to your desktop's application menu, for you only (no root needed).

  (no option), --install  add the menu entry, the icons, the 'neurolab' command in
                          ~/.local/bin and the file type of experiments
                          (*.neurolab.json), all pointing at this folder
  --remove                take them away again (this folder and your settings stay)
  --help                  show this text

Run it from the unpacked NeuroLab folder. To keep NeuroLab elsewhere (for example in
~/.local/opt), move the folder there first and run the script from its new place: the
menu entry points to where the folder is when the script runs.
EOF
}

refresh() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$ICONS" 2>/dev/null || true
    command -v update-mime-database >/dev/null 2>&1 && [ -d "$MIME/packages" ] && update-mime-database "$MIME" || true
}

case "${1:-}" in
--remove|--uninstall)
    rm -f "$APPS/$APP_ID.desktop" "$MIME/packages/$APP_ID.xml"
    for d in "$ICONS"/*/apps; do rm -f "$d/$APP_ID.png" "$d/$APP_ID.svg"; done
    if [ -L "$BIN/neurolab" ] && [ "$(readlink "$BIN/neurolab")" = "$HERE/neurolab" ]; then
        rm -f "$BIN/neurolab"
    fi
    refresh
    echo "NeuroLab's menu entry is removed. Delete $HERE to remove the program itself."
    ;;
""|--install)
    [ -x "$HERE/neurolab" ] || { echo "run me from the unpacked NeuroLab folder" >&2; exit 1; }
    case $HERE in
    *"$NL"*)
        echo "This folder's path holds a line break, which a menu entry cannot point to:" \
            "rename or move the folder, then run me again." >&2
        exit 1
        ;;
    esac
    mkdir -p "$APPS" "$BIN" "$MIME/packages"
    (cd "$HERE/share/icons/hicolor" && for f in */apps/*; do
        mkdir -p "$ICONS/$(dirname "$f")" && cp -f "$f" "$ICONS/$f"; done)
    # Exec with the absolute path, quoted (the folder may contain spaces), escaped as the
    # desktop entry spec says (\ " ` $ get a backslash inside the quotes, then every \ is
    # doubled as a string value, and % is doubled), then for sed's replacement (\ | &).
    EXE=$(printf '%s\n' "$HERE/neurolab" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g' \
        -e 's/%/%%/g' -e 's/[\\|&]/\\&/g')
    # GLib (GNOME's menus, gio launch) checks that Exec's program exists before it turns
    # %% back into %, and so drops an entry whose program path holds a %. Such a path goes
    # through env instead: GLib unescapes an argument's %% as the spec says.
    case $HERE in
    *%*) RUN="env " ;;
    *) RUN="" ;;
    esac
    sed -e "s|^Exec=neurolab|Exec=$RUN\"$EXE\"|" \
        "$HERE/share/applications/$APP_ID.desktop" > "$APPS/$APP_ID.desktop.tmp"
    mv "$APPS/$APP_ID.desktop.tmp" "$APPS/$APP_ID.desktop"
    ln -sfn "$HERE/neurolab" "$BIN/neurolab"
    # *.neurolab.json files are NeuroLab experiments (the entry's MimeType opens them).
    cp -f "$HERE/share/mime/packages/$APP_ID.xml" "$MIME/packages/$APP_ID.xml"
    refresh
    echo "NeuroLab is in your application menu; 'neurolab' starts it from a terminal"
    echo "(if ~/.local/bin is on your PATH). Undo with: $0 --remove"
    ;;
-h|--help)
    usage
    ;;
*)
    echo "$0: unknown option: $1" >&2
    usage >&2
    exit 2
    ;;
esac
