//! `parse_get` against every `get` sample in the reference documents.
use xspctl::bwcli::{GetOutput, ParseError, Row, Table, parse_get};

fn table(text: &str) -> Table {
    match parse_get(text) {
        Ok(GetOutput::Table(t)) => t,
        other => panic!("expected a table, got {other:?}"),
    }
}

fn attributes(text: &str) -> Vec<(String, String)> {
    match parse_get(text) {
        Ok(GetOutput::Attributes(a)) => a,
        other => panic!("expected attributes, got {other:?}"),
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn row(cells: &[&str]) -> Row {
    Row {
        cells: cells.iter().map(|c| c.to_string()).collect(),
        self_signed: false,
    }
}

fn self_signed(cells: &[&str]) -> Row {
    Row {
        self_signed: true,
        ..row(cells)
    }
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

// bwcli-behavior.md §3, C-SNMP: two leading spaces, exact.
#[test]
fn snmp_agent_attributes() {
    let text = "  port = 8001
  encoding = ISO-8859-1
  readCommunity = hamBurger
  writeCommunity = hamBurger
  trapCommunity = public
  trapSourceAddress = 10.201.191.220
  disableV2 = false
  hostMibII = false
";
    assert_eq!(
        attributes(text),
        pairs(&[
            ("port", "8001"),
            ("encoding", "ISO-8859-1"),
            ("readCommunity", "hamBurger"),
            ("writeCommunity", "hamBurger"),
            ("trapCommunity", "public"),
            ("trapSourceAddress", "10.201.191.220"),
            ("disableV2", "false"),
            ("hostMibII", "false"),
        ])
    );
}

// C-NPS: three leading spaces; C-ENC: empty values print as `name = `.
#[test]
fn three_spaces_empty_values_spaces_and_equals_in_values() {
    let text = "   url = https://api.push.apple.com/3/device
  defaultDeviceLanguage = 
  defaultDeviceEncoding = ISO-8859-1
  description = Webex for BroadWorks  (lab)
  identityPattern = .*([0-9a-fA-F]{12}).*
  query = a=b&c=d
";
    assert_eq!(
        attributes(text),
        pairs(&[
            ("url", "https://api.push.apple.com/3/device"),
            ("defaultDeviceLanguage", ""),
            ("defaultDeviceEncoding", "ISO-8859-1"),
            ("description", "Webex for BroadWorks  (lab)"),
            ("identityPattern", ".*([0-9a-fA-F]{12}).*"),
            ("query", "a=b&c=d"),
        ])
    );
}

// C-CAP and guide B §5.9 (`XSP_CLI/Interface/CTI> get`, among other lines).
#[test]
fn cap_proxy_and_cti_attributes() {
    assert_eq!(
        attributes("  enabled = true\n  serverPort = 2206\n  numConnections = 1\n"),
        pairs(&[
            ("enabled", "true"),
            ("serverPort", "2206"),
            ("numConnections", "1")
        ])
    );
    assert_eq!(
        attributes("  portEnabled = false\n  securePortEnabled = true\n  securePort = 8012\n"),
        pairs(&[
            ("portEnabled", "false"),
            ("securePortEnabled", "true"),
            ("securePort", "8012")
        ])
    );
}

#[test]
fn an_attribute_list_with_a_stray_line_is_refused() {
    let err = parse_get("  port = 8001\nsomething else\n").unwrap_err();
    assert_eq!(
        err,
        ParseError::NotAnAttribute {
            line_no: 2,
            line: "something else".into()
        }
    );
    assert_eq!(parse_get("\n\n").unwrap_err(), ParseError::Empty);
}

// bwcli-behavior.md §3 (C-UPG NFM), machine-generated, exact.
#[test]
fn nfm_table_with_values_containing_spaces() {
    let text = "              Name  Admin State  Effective State
================================================
        PostgreSQL       Online           Online
           OpenNMS      Offline          Offline
  File replication       Online          Offline
        Monitoring       Online          Offline

4 entries found.
";
    assert_eq!(
        table(text),
        Table {
            headers: strings(&["Name", "Admin State", "Effective State"]),
            rows: vec![
                row(&["PostgreSQL", "Online", "Online"]),
                row(&["OpenNMS", "Offline", "Offline"]),
                row(&["File replication", "Online", "Offline"]),
                row(&["Monitoring", "Online", "Offline"]),
            ],
        }
    );
}

// WBX-SG CTIServer, exact (no count line in the sample), and with one.
#[test]
fn cti_server_table() {
    let text = "  Interface IP  Port  Secure  Server Certificate  Client Auth Req
=================================================================
  10.155.6.175  8012    true                true             true
";
    let expected = Table {
        headers: strings(&[
            "Interface IP",
            "Port",
            "Secure",
            "Server Certificate",
            "Client Auth Req",
        ]),
        rows: vec![row(&["10.155.6.175", "8012", "true", "true", "true"])],
    };
    assert_eq!(table(text), expected);
    assert_eq!(table(&format!("{text}\n1 entry found.\n")), expected);
}

// Machine layout with an empty cell: right edges keep the columns apart (D5 form).
#[test]
fn an_empty_cell_in_a_right_aligned_table() {
    let line = |a: &str, b: &str, c: &str| format!("{a:>11}{b:>26}{c:>24}");
    let header = line("Container", "Name", "Value");
    let text = format!(
        "{header}\n{}\n{}\n{}\n\n2 entries found.\n",
        "=".repeat(header.len()),
        line("platform", "bw.apache.sslciphersuite", ""),
        line("tomcat", "bw.cti.enabledciphers", "TLS_AES_128_GCM_SHA256"),
    );
    assert_eq!(
        table(&text).rows,
        vec![
            row(&["platform", "bw.apache.sslciphersuite", ""]),
            row(&["tomcat", "bw.cti.enabledciphers", "TLS_AES_128_GCM_SHA256"]),
        ]
    );
}

// C-TLS: `get <ip> 443` on Protocols (flattened in the source) and on Ciphers.
#[test]
fn tls_protocols_and_empty_ciphers() {
    let flattened = "Protocol Name\n===============\nTLSv1.1\nTLSv1.2\nTLSv1\n";
    assert_eq!(
        table(flattened),
        Table {
            headers: strings(&["Protocol Name"]),
            rows: vec![row(&["TLSv1.1"]), row(&["TLSv1.2"]), row(&["TLSv1"])],
        }
    );
    let machine = "  Protocol Name\n===============\n        TLSv1.1\n        TLSv1.2\n          TLSv1\n\n3 entries found.\n";
    assert_eq!(table(machine), table(flattened));

    let ciphers = "  Cipher Name\n=============\n\n0 entry found.\n";
    assert_eq!(
        table(ciphers),
        Table {
            headers: strings(&["Cipher Name"]),
            rows: vec![],
        }
    );
    let flattened_ciphers = "Cipher Name\n=============\n0 entry found.\n";
    assert_eq!(table(flattened_ciphers).rows, vec![]);
}

// Guide B §5.6, R22 trust table, exactly as in the source (hand-formatted, en dash).
#[test]
fn r22_cti_trust_table() {
    let text = " Alias  Owner                  Issuer
=============================================================================
webexissuing  BroadCloud Commercial Issuing CA \u{2013} DA3   BroadCloud Commercial Trusted Root CA
webexroot    BroadCloud Commercial Trusted Root CA   BroadCloud Commercial Trusted Root CA[self-signed]
";
    assert_eq!(
        table(text),
        Table {
            headers: strings(&["Alias", "Owner", "Issuer"]),
            rows: vec![
                row(&[
                    "webexissuing",
                    "BroadCloud Commercial Issuing CA \u{2013} DA3",
                    "BroadCloud Commercial Trusted Root CA"
                ]),
                self_signed(&[
                    "webexroot",
                    "BroadCloud Commercial Trusted Root CA",
                    "BroadCloud Commercial Trusted Root CA"
                ]),
            ],
        }
    );
}

// Guide B §5.7, R21 trust table: single spaces between Owner and Issuer.
#[test]
fn r21_cti_trust_table() {
    let text = "       Alias                  Owner                      Issuer
===========================================================================================================
   webexissuing  BroadCloud Commercial Issuing CA - DA3 BroadCloud Commercial Trusted Root CA
    webexroot  BroadCloud Commercial Trusted Root CA BroadCloud Commercial Trusted Root CA[self-signed]
";
    let t = table(text);
    assert_eq!(t.headers, strings(&["Alias", "Owner", "Issuer"]));
    assert_eq!(
        t.rows,
        vec![
            row(&[
                "webexissuing",
                "BroadCloud Commercial Issuing CA - DA3",
                "BroadCloud Commercial Trusted Root CA"
            ]),
            self_signed(&[
                "webexroot",
                "BroadCloud Commercial Trusted Root CA",
                "BroadCloud Commercial Trusted Root CA"
            ]),
        ]
    );
    assert_eq!(
        t.cell(&t.rows[1], "issuer"),
        Some("BroadCloud Commercial Trusted Root CA")
    );
}

// bwcli-behavior.md §6 (C-TRUST), hand-formatted; [self-signed] on the Issuer.
#[test]
fn webex_client_trust_table() {
    let text = "Alias   Owner                                   Issuer
=============================================================================
webexclientissuing2023       Internal Private TLS SubCA      Internal Private Root
webexclientroot2023       Internal Private Root      Internal Private Root[self-signed]
";
    assert_eq!(
        table(text).rows,
        vec![
            row(&[
                "webexclientissuing2023",
                "Internal Private TLS SubCA",
                "Internal Private Root"
            ]),
            self_signed(&[
                "webexclientroot2023",
                "Internal Private Root",
                "Internal Private Root"
            ]),
        ]
    );
}

// Guide B §7.4 a): NPS FCM Projects and Applications (XSP form).
#[test]
fn nps_fcm_tables_xsp() {
    let projects = " Project ID Accountkey\n========================\n my_project  ********\n";
    assert_eq!(
        table(projects),
        Table {
            headers: strings(&["Project ID", "Accountkey"]),
            rows: vec![row(&["my_project", "********"])],
        }
    );
    let apps =
        " Application ID  Project ID\n==============================\n     my_app  my_project\n";
    assert_eq!(
        table(apps),
        Table {
            headers: strings(&["Application ID", "Project ID"]),
            rows: vec![row(&["my_app", "my_project"])],
        }
    );
}

// Guide B §7.4 c): the ADP forms, single spaces everywhere.
#[test]
fn nps_fcm_tables_adp() {
    let projects = "Project ID Accountkey\n========================\nconnect-ucaas ********\n";
    assert_eq!(
        table(projects),
        Table {
            headers: strings(&["Project ID", "Accountkey"]),
            rows: vec![row(&["connect-ucaas", "********"])],
        }
    );
    let apps = "Application ID Project ID\n===================================\ncom.broadsoft.ucaas.connect connect-ucaas\n";
    assert_eq!(
        table(apps),
        Table {
            headers: strings(&["Application ID", "Project ID"]),
            rows: vec![row(&["com.broadsoft.ucaas.connect", "connect-ucaas"])],
        }
    );
}

// WBX-DEV: Partners table with a masked refresh token, `1 entry found.`.
#[test]
fn partners_table_with_masked_token() {
    let text = "Partner Name Refresh Token\n==========================\nFederationPartner ********\n1 entry found.\n";
    assert_eq!(
        table(text),
        Table {
            headers: strings(&["Partner Name", "Refresh Token"]),
            rows: vec![row(&["FederationPartner", "********"])],
        }
    );
}

// C-UPG qversions (hand-formatted, values with spaces and commas).
#[test]
fn qversions_table() {
    let text = "Identity  Version  Install Date  Status
=========================================
AS  2023.03_1.411  Apr 18, 2023  Installed
AS  24.0_1.944  Feb 11, 2022  Active
";
    let t = table(text);
    assert_eq!(
        t.headers,
        strings(&["Identity", "Version", "Install Date", "Status"])
    );
    assert_eq!(
        t.rows[0],
        row(&["AS", "2023.03_1.411", "Apr 18, 2023", "Installed"])
    );
    assert_eq!(
        t.rows[1],
        row(&["AS", "24.0_1.944", "Feb 11, 2022", "Active"])
    );
}

// C-SIP: the confirmation preamble before a table is not part of it.
#[test]
fn preamble_lines_before_the_header_are_ignored() {
    let text = "About to access 2 entries. Continue?
Retrieving data... Please wait...
  Protocol Name
===============
        TLSv1.2
        TLSv1.3

2 entries found.
";
    assert_eq!(table(text).rows, vec![row(&["TLSv1.2"]), row(&["TLSv1.3"])]);
}

#[test]
fn the_count_must_match_the_rows() {
    let text = "  Protocol Name\n===============\n        TLSv1.2\n\n2 entries found.\n";
    assert_eq!(
        parse_get(text).unwrap_err(),
        ParseError::CountMismatch {
            stated: 2,
            parsed: 1
        }
    );
    // C-NPS writes `3 entry found.` for three rows: the number is what counts.
    let typo = "  Name\n======\n     a\n     b\n     c\n\n3 entry found.\n";
    assert_eq!(table(typo).rows.len(), 3);
}

#[test]
fn a_row_with_too_many_cells_is_refused() {
    let text = "Alias  Owner\n============\na  b  c\n";
    assert!(matches!(
        parse_get(text).unwrap_err(),
        ParseError::Row {
            line_no: 3,
            expected: 2,
            ..
        }
    ));
}

#[test]
fn a_rule_without_a_header_is_refused() {
    assert_eq!(parse_get("=====\n  x\n").unwrap_err(), ParseError::NoHeader);
}

// C-NFM-PATCH: the footnote of a `detail` table is not a row.
#[test]
fn footnotes_are_not_rows() {
    let header = format!("{:>27}{:>8}", "Patch Name", "State");
    let rule = "=".repeat(header.len());
    let line = format!("{:>27}{:>8}", "AP.xsp.22.0.1123.ap376508", "Active");
    let text = format!(
        "{header}\n{rule}\n{line}\n\n* -> Patch(es) applied from this bundle.\n1 entry found.\n"
    );
    assert_eq!(
        table(&text).rows,
        vec![row(&["AP.xsp.22.0.1123.ap376508", "Active"])]
    );
}
