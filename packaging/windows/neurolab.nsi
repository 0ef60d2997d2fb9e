; NeuroLab installer (NSIS 3). Built by packaging/build.py:
;   makensis -DVERSION=0.1.0 -DPAYLOAD=<bundle folder> -DOUTFILE=<setup.exe>
;            -DICON=<neurolab.ico> -DSIZE_KB=<payload size> packaging\windows\neurolab.nsi
;
; Per-user by default: %LOCALAPPDATA%\Programs\NeuroLab, no administrator rights, Start
; menu entry for this user. All users: /AllUsers (case-insensitive, so /ALLUSERS too)
; from an elevated prompt or a deployment tool, or "Anyone who uses this computer" on
; the first page -> %ProgramFiles%\NeuroLab. Silent: /S. Target folder: /D=C:\path (last).
;   NeuroLab-0.1.0-setup.exe /S                 per-user, silent
;   NeuroLab-0.1.0-setup.exe /S /AllUsers       all users, silent (run elevated)
;   "%LOCALAPPDATA%\Programs\NeuroLab\Uninstall.exe" /S   silent uninstall
;
; -DSTANDIN: build.py's stand-in payload (compiled on Linux to check this script; the file
; is NeuroLab-VERSION-setup-STANDIN.exe). Its name says so, it asks before installing, and
; a silent install (/S, e.g. from a deployment tool) installs nothing.

Unicode true
SetCompressor /SOLID lzma
SetCompressorDictSize 64

!ifndef VERSION
  !error "define VERSION (-DVERSION=...)"
!endif
!ifndef PAYLOAD
  !error "define PAYLOAD, the bundle folder holding neurolab.exe (-DPAYLOAD=...)"
!endif
!ifndef OUTFILE
  !define OUTFILE "NeuroLab-${VERSION}-setup.exe"
!endif
!ifndef SIZE_KB
  !define SIZE_KB 0
!endif
!ifdef STANDIN
  !define TITLE_NOTE " (STAND-IN, not for deployment)"
!else
  !define TITLE_NOTE ""
!endif

!define APPNAME "NeuroLab"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\NeuroLab"
!define SETTINGS_KEY "Software\NeuroLab\Installer"
; Experiment files (*.neurolab.json). Windows takes only the last dot as the extension
; (.json), so a double extension cannot have an association of its own: NeuroLab is
; added to .json's "Open with" list (OpenWithProgids), never made the default for JSON.
!define PROGID "NeuroLab.Experiment"

; --- per-user / all-users (NSIS's MultiUser.nsh) -------------------------------------
!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_INSTALLMODE_DEFAULT_CURRENTUSER
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "${APPNAME}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${SETTINGS_KEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallLocation"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_KEY "${SETTINGS_KEY}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_VALUENAME "InstallMode"
!define MULTIUSER_MUI
!include MultiUser.nsh
!include MUI2.nsh
!include x64.nsh

Name "${APPNAME} ${VERSION}${TITLE_NOTE}"
OutFile "${OUTFILE}"
BrandingText "${APPNAME} ${VERSION}${TITLE_NOTE}"
ShowInstDetails nevershow
ShowUninstDetails nevershow

!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\neurolab.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start NeuroLab"

!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APPNAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${APPNAME} installer${TITLE_NOTE}"
VIAddVersionKey "LegalCopyright" "MIT License"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "NeuroLab needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
!ifdef STANDIN
  MessageBox MB_OKCANCEL|MB_ICONEXCLAMATION|MB_DEFBUTTON2 "This installer holds a stand-in, not NeuroLab: it was built to check the installer script. Install the stand-in anyway?" /SD IDCANCEL IDOK +2
    Abort
!endif
  SetRegView 64
  !insertmacro MULTIUSER_INIT
FunctionEnd

Function un.onInit
  SetRegView 64
  !insertmacro MULTIUSER_UNINIT
FunctionEnd

Section "NeuroLab" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; An upgrade replaces the program folder whole: no stale file of an older build stays.
  IfFileExists "$INSTDIR\neurolab.exe" 0 +2
    RMDir /r "$INSTDIR\_internal"
  File /r "${PAYLOAD}\*"
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\neurolab.exe" "" "$INSTDIR\neurolab.exe" 0

  ; "Open with NeuroLab" for experiment files: per user (HKCU\Software\Classes) for a
  ; per-user install, HKLM\Software\Classes for all users; SHCTX follows the mode.
  WriteRegStr SHCTX "Software\Classes\${PROGID}" "" "NeuroLab experiment"
  WriteRegStr SHCTX "Software\Classes\${PROGID}\DefaultIcon" "" '"$INSTDIR\neurolab.exe",0'
  WriteRegStr SHCTX "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\neurolab.exe" "%1"'
  WriteRegStr SHCTX "Software\Classes\.json\OpenWithProgids" "${PROGID}" ""
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'  ; SHCNE_ASSOCCHANGED

  ; SHCTX is HKCU for a per-user install, HKLM for all users (MultiUser.nsh).
  WriteRegStr SHCTX "${SETTINGS_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${SETTINGS_KEY}" "InstallMode" "$MultiUser.InstallMode"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayName" "${APPNAME}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "Publisher" "NeuroLab contributors"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\neurolab.exe"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe" /$MultiUser.InstallMode'
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /$MultiUser.InstallMode /S'
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoRepair" 1
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "EstimatedSize" ${SIZE_KB}
SectionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  DeleteRegKey SHCTX "Software\Classes\${PROGID}"
  DeleteRegValue SHCTX "Software\Classes\.json\OpenWithProgids" "${PROGID}"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'
  ; Only ever remove a folder that is NeuroLab's (guards against /D=C:\ mistakes).
  IfFileExists "$INSTDIR\neurolab.exe" 0 +3
    RMDir /r "$INSTDIR\_internal"
    Delete "$INSTDIR\neurolab.exe"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey SHCTX "${UNINSTALL_KEY}"
  DeleteRegKey SHCTX "${SETTINGS_KEY}"
  DeleteRegKey /IfEmpty SHCTX "Software\NeuroLab"
  ; The kernel cache that earlier versions (with numba) kept per user; this version writes
  ; none. Settings (HKCU\Software\NeuroLab\NeuroLab) and the autosave
  ; (%APPDATA%\NeuroLab\NeuroLab) stay, as usual.
  RMDir /r "$LOCALAPPDATA\NeuroLab\cache"
SectionEnd
