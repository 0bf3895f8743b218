//! Contexts per product and release, and the procedures of the guides that use them.
use crate::bwcli_support;

use bwcli_support::{Cli, host};
use xspsim::host::{Product, Release};

fn levels(c: &mut Cli, path: &str) -> Vec<String> {
    let out = c.run(&format!("cd {path};help"));
    out.lines()
        .filter_map(|l| {
            l.split_once(" : go to level ")
                .map(|(_, name)| name.to_string())
        })
        .collect()
}

#[test]
fn r21_and_r22_cti_and_http_trees_differ() {
    // guide B §5.3-§5.8: R21 SSLConfiguration vs R22+ SSLSettings/SSLCommonSettings;
    // R21 Interface/Http/ClientAuthentication (chainDepth); D4: no SSL levels at R21.
    let dir = tempfile::tempdir().expect("tempdir");
    let r21 = host(dir.path(), "x21", Product::Xsp, Release::R21Sp1);
    let r22 = host(dir.path(), "x22", Product::Xsp, Release::R22);
    let mut c21 = Cli::start(&r21);
    let mut c22 = Cli::start(&r22);
    assert_eq!(levels(&mut c21, "/Interface/CTI"), ["SSLConfiguration"]);
    assert_eq!(
        levels(&mut c21, "/Interface/CTI/SSLConfiguration"),
        ["ClientAuthentication"]
    );
    assert_eq!(
        levels(&mut c22, "/Interface/CTI"),
        ["SSLSettings", "SSLCommonSettings"]
    );
    assert_eq!(
        levels(&mut c22, "/Interface/CTI/SSLSettings"),
        ["Protocols", "Ciphers", "Certificates"]
    );
    assert_eq!(
        levels(&mut c22, "/Interface/CTI/SSLCommonSettings"),
        ["Protocols", "Ciphers", "ClientAuthentication"]
    );
    assert_eq!(
        levels(&mut c21, "/Interface/Http"),
        ["HttpServer", "ClientAuthentication"]
    );
    assert_eq!(
        levels(&mut c21, "/Interface/Http/HttpServer"),
        Vec::<String>::new()
    );
    assert_eq!(
        levels(&mut c22, "/Interface/Http"),
        ["HttpServer", "SSLCommonSettings"]
    );
    assert_eq!(
        levels(&mut c22, "/Interface/Http/HttpServer/SSLSettings"),
        ["Protocols", "Ciphers", "Certificates"]
    );
    assert_eq!(
        levels(&mut c22, "/Interface/Http/SSLCommonSettings"),
        ["Protocols", "Ciphers", "ClientAuthentication"]
    );
    assert_eq!(
        levels(
            &mut c22,
            "/Interface/Http/SSLCommonSettings/ClientAuthentication"
        ),
        ["WebApps", "Trusts"]
    );
    assert_eq!(levels(&mut c21, "/System"), ["CommunicationUtility"]);
    assert_eq!(
        levels(&mut c22, "/System"),
        ["SSLCommonSettings", "CommunicationUtility"]
    );
    assert_eq!(
        levels(&mut c22, "/System/SSLCommonSettings"),
        ["JSSE", "OpenSSL", "Trusts", "GeneralSettings"]
    );
    assert_eq!(
        levels(&mut c22, "/System/SSLCommonSettings/Trusts"),
        ["Defaults", "BroadWorks"]
    );
    // sslUpdate sits in SSLConfiguration at R21, in SSLSettings/Certificates at R22+.
    assert!(
        c21.run("cd /Interface/CTI/SSLConfiguration;help")
            .contains(") sslUpdate : ")
    );
    assert!(
        !c22.run("cd /Interface/CTI/SSLSettings;help")
            .contains("sslUpdate")
    );
    assert!(c22.run("cd Certificates;help").contains(") sslUpdate : "));
}

#[test]
fn adding_a_secure_cti_interface() {
    // guide B §5.8 step 1: `add <Interface IP> true true` creates a self-signed certificate.
    let dir = tempfile::tempdir().expect("tempdir");
    for (release, context) in [
        (Release::R21Sp1, "/Interface/CTI/SSLConfiguration"),
        (Release::R23, "/Interface/CTI/SSLSettings"),
    ] {
        let h = host(
            dir.path(),
            &format!("x{release:?}").to_lowercase(),
            Product::Xsp,
            release,
        );
        let mut c = Cli::start(&h);
        let p = format!("XSP_CLI{context}> ");
        c.run(&format!("cd {context}"));
        assert_eq!(
            c.out("add 10.0.0.5 true true", &p),
            "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\n...Done\n"
        );
        assert_eq!(
            c.out("get", &p),
            "  Interface IP  Server Certificate  Client Auth Req\n\
             ===================================================\n\
             \x20    127.0.0.1                true            false\n\
             \x20     10.0.0.5                true             true\n\
             \n2 entries found.\n"
        );
    }
    let h = host(dir.path(), "x22", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    c.run("cd /Interface/CTI/SSLSettings;add 10.0.0.5 true true");
    let certs = c.run("cd Certificates;get");
    assert!(
        certs.contains("\n      10.0.0.5  x22.lab.xspctl.test  x22.lab.xspctl.test[self-signed]  "),
        "{certs}"
    );
}

#[test]
fn application_server_procedures() {
    // guide B §5.1, §7.3 step 8, §9.3, §9.5, §11, §12; management-sync §4.7.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "as1", Product::As, Release::R22);
    let mut c = Cli::start(&h);
    assert_eq!(
        levels(&mut c, "/"),
        [
            "System",
            "Interface",
            "Maintenance",
            "Monitoring",
            "Service"
        ]
    );
    assert_eq!(
        levels(&mut c, "/System"),
        [
            "ClientIdentity",
            "PushNotification",
            "DeviceType",
            "ActivatableFeature"
        ]
    );
    let done = "...Done\n";
    let p = "AS_CLI/System/ActivatableFeature> ";
    c.run("cd /System/ActivatableFeature");
    assert_eq!(c.out("activate 101642", p), done);
    assert_eq!(c.out("activate 999", p), "Entry not found\n");
    assert_eq!(
        c.out("get", p),
        "  Feature ID                                Description  Activated\n\
         ==================================================================\n\
         \x20     101642  Enhanced Xsi Mechanism for Team Telephony       true\n\
         \x20     100234          Call Recording Platform Selection       true\n\
         \n2 entries found.\n"
    );
    let p = "AS_CLI/System/DeviceType/SIP> ";
    c.run("cd /System/DeviceType/SIP");
    assert_eq!(
        c.out(
            "set \"Business Communicator - PC\" supportRemotePartyInfo true",
            p
        ),
        done
    );
    assert_eq!(
        c.out("detail \"Business Communicator - PC\"", p),
        "  deviceType = Business Communicator - PC\n  supportRemotePartyInfo = true\n  defaultDeviceLanguage = \n  defaultDeviceEncoding = ISO-8859-1\n"
    );
    assert_eq!(
        c.out("add x y", p),
        "Invalid command\n",
        "device types come from DTAF files"
    );
    let p = "AS_CLI/Interface/SIP> ";
    c.run("cd /Interface/SIP");
    assert_eq!(
        c.out(
            "set sendCallCorrelationIDNetwork true sendCallCorrelationIDAccess true",
            p
        ),
        done
    );
    let p = "AS_CLI/Service/IntegratedIMP/DefaultAttribute> ";
    assert_eq!(
        c.run("cd /Service/IntegratedIMP;set serviceDomain example.com;cd DefaultAttribute"),
        format!("{done}{p}")
    );
    assert_eq!(c.out("set userAttrIsActive true", p), done);
    let p = "AS_CLI/Maintenance/ContainerOptions> ";
    c.run("cd /Maintenance/ContainerOptions");
    assert_eq!(
        c.out("add provisioning bw.imp.useProvisioningUrl true", p),
        "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\n...Done\n"
    );
    let p = "AS_CLI/System/PushNotification> ";
    assert_eq!(
        c.run("cd /System/PushNotification;get"),
        format!("  enforceAllowedApplicationList = true\n{p}")
    );
    let p = "AS_CLI/System/PushNotification/AllowedApplications> ";
    c.run("cd AllowedApplications");
    assert_eq!(
        c.out("add com.cisco.wx2.android \"Webex Android\"", p),
        done
    );
    // The guide's typographic quotes do not group words.
    assert_eq!(
        c.out("add com.cisco.squared “Webex iOS”", p),
        "[CLIError] Command add: Too many parameters\n"
    );
    assert_eq!(levels(&mut c, "/Service"), ["IntegratedIMP", "VoiceMsg"]);
}

#[test]
fn xsp_application_settings() {
    // management-sync §1.7 and guide A §6.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R24);
    let mut c = Cli::start(&h);
    assert_eq!(
        levels(&mut c, "/Applications"),
        ["Xsi-Actions", "Xsi-Events"]
    );
    let p = "XSP_CLI/Applications/Xsi-Actions/OverloadControl> ";
    c.run("cd /Applications/Xsi-Actions/OverloadControl");
    assert_eq!(
        c.out("get", p),
        "  userDirectoryTransactionLimit = 3\n  globalDirectoryTransactionLimit = 20\n"
    );
    // The recommended "null value".
    assert_eq!(
        c.out(
            "clear userDirectoryTransactionLimit globalDirectoryTransactionLimit",
            p
        ),
        "...Done\n"
    );
    assert_eq!(
        c.out("get", p),
        "  userDirectoryTransactionLimit = \n  globalDirectoryTransactionLimit = \n"
    );
    let p = "XSP_CLI/Applications/Xsi-Actions/Paging> ";
    c.run("cd ../Paging");
    assert_eq!(
        c.out("set defaultPageSize 50 availableUserMaxLimit 100", p),
        "...Done\n"
    );
    let p = "XSP_CLI/Applications/Xsi-Events/BWIntegration> ";
    c.run("cd /Applications/Xsi-Events/BWIntegration");
    assert_eq!(
        c.out("set eventQueueSize 2000 eventHandlerThreadCount 50", p),
        "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\n...Done\n"
    );
    let p = "XSP_CLI/Applications/Xsi-Events/GeneralSettings> ";
    assert_eq!(
        c.run("cd ../GeneralSettings;get"),
        format!("  callControlApplicationName = com.broadsoft.xsi-events\n{p}")
    );
}

#[test]
fn authentication_service_with_ci_token_validation() {
    // guide B §2.2 steps 3-10.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "xsp1", Product::Xsp, Release::R22);
    let mut c = Cli::start(&h);
    c.run("cd /Maintenance/ManagedObjects;activate application AuthenticationService 22.0_1.1123 /authService;deploy application /authService");
    assert_eq!(
        levels(&mut c, "/Applications/AuthenticationService"),
        ["IdentityProviders", "TokenManagement", "KeyManagement"]
    );
    let p = "XSP_CLI/Applications/AuthenticationService/IdentityProviders/Cisco> ";
    c.run("cd /Applications/AuthenticationService/IdentityProviders/Cisco");
    assert_eq!(
        c.out("set enabled true clientId my-client ciResponseBodyMaxSizeInBytes 65536 issuerName https://idbroker.webex.com/idb issuerUrl https://idbroker.webex.com/idb tokenInfoUrl https://broadworks-idp-proxy-a.wbx2.com/broadworks-idp-proxy/api/v1/idp/authenticate", p),
        "...Done\n"
    );
    let p = "XSP_CLI/Applications/AuthenticationService/IdentityProviders/Cisco/Scopes> ";
    assert_eq!(
        c.run("cd Scopes;set scope broadworks-connector:user"),
        format!("...Done\n{p}")
    );
    let p = "XSP_CLI/Applications/AuthenticationService/IdentityProviders/Cisco/Federation/ClusterMap> ";
    c.run("cd ../Federation/ClusterMap");
    assert_eq!(
        c.out("get", p),
        "  Cluster  Identity Provider URL\n================================\n\n0 entry found.\n"
    );
    let p = "XSP_CLI/Applications/AuthenticationService/IdentityProviders/Cisco/Federation> ";
    c.run("cd ..;set flsUrl https://cifls.webex.com/federation refreshPeriodInMinutes 60 refreshToken");
    c.run("token-from-sr");
    assert_eq!(c.run("token-from-sr"), format!("\n...Done\n{p}"));
    assert!(c.run("cd ClusterMap;get").contains("\n3 entries found.\n"));
    let p = "XSP_CLI/Applications/AuthenticationService/TokenManagement> ";
    assert_eq!(
        c.run("cd /Applications/AuthenticationService/TokenManagement;set tokenIssuer BroadWorks tokenDurationInHours 720"),
        format!("...Done\n{p}")
    );
    let p = "XSP_CLI/System/CommunicationUtility/DefaultSettings/ExternalAuthentication/CertificateAuthentication> ";
    assert_eq!(
        c.run("cd /System/CommunicationUtility/DefaultSettings/ExternalAuthentication/CertificateAuthentication;set allowClientApp true"),
        format!("...Done\n{p}")
    );
    // The IdentityProviders levels do not exist at R21 (CI token validation is R22+).
    let h = host(dir.path(), "x21", Product::Xsp, Release::R21Sp1);
    let mut c = Cli::start(&h);
    c.run("cd /Maintenance/ManagedObjects;activate application AuthenticationService 21.sp1_1.551 /authService");
    assert_eq!(
        levels(&mut c, "/Applications/AuthenticationService"),
        ["TokenManagement", "KeyManagement"]
    );
}

#[test]
fn notification_push_server_on_adp() {
    // guide B §7.3-§7.4.
    let dir = tempfile::tempdir().expect("tempdir");
    let h = host(dir.path(), "adp1", Product::Adp, Release::Adp);
    let mut c = Cli::start(&h);
    assert_eq!(
        c.out("cd /Applications/NotificationPushServer", "ADP_CLI> "),
        "[Error] Command cd: no level \"NotificationPushServer\" at /Applications\n"
    );
    c.run(
        "cd /Maintenance/ManagedObjects;activate application NotificationPushServer 2022.11_1.273",
    );
    assert_eq!(
        levels(&mut c, "/Applications/NotificationPushServer"),
        ["FCM", "APNS", "CiscoCI", "CloudNPSService"]
    );
    let restart = "*** Warning: BroadWorks needs to be restarted for the changes to take effect ***\n...Done\n";
    let p = "ADP_CLI/Applications/NotificationPushServer/CloudNPSService> ";
    c.run("cd /Applications/NotificationPushServer/CloudNPSService");
    assert_eq!(
        c.out(
            "set url https://nps.uc-one.broadsoft.com/nps/ VOIPTokenRefreshInterval 1800",
            p
        ),
        restart
    );
    let p = "ADP_CLI/Applications/NotificationPushServer/FCM> ";
    c.run("cd ../FCM");
    assert_eq!(
        c.out(
            "set V1Enabled true authURL https://www.googleapis.com/oauth2/v4/token",
            p
        ),
        restart
    );
    let p = "ADP_CLI/Applications/NotificationPushServer/APNS/Production/Tokens> ";
    c.run("cd /Applications/NotificationPushServer/APNS/Production/Tokens");
    assert_eq!(c.out("add com.cisco.squared", p), "...Done\n");
    assert_eq!(
        c.out("g", p),
        "     Application ID  Auth Key ID\n================================\n  com.cisco.squared             \n\n1 entry found.\n"
    );
    let p = "ADP_CLI/Applications/NotificationPushServer/APNS/GeneralSettings> ";
    assert_eq!(
        c.run("cd ../../GeneralSettings;set HTTP2Enabled true"),
        format!("{restart}{p}")
    );
}
