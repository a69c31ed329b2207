//! The gateway's route table, `template.yaml` and `functions/` must describe the same functions.

use std::collections::BTreeSet;
use std::path::Path;

use serde_yaml::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// (function binary, METHOD, path) of every HTTP-triggered function in template.yaml.
fn template_routes() -> BTreeSet<(String, String, String)> {
    let text = std::fs::read_to_string(repo().join("template.yaml")).unwrap();
    let doc: Value = serde_yaml::from_str(&text).unwrap();
    let mut out = BTreeSet::new();
    for (_, res) in doc["Resources"].as_mapping().unwrap() {
        if res["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = res["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .expect("every function names its binary")
            .to_string();
        for (_, ev) in res["Properties"]["Events"].as_mapping().into_iter().flatten() {
            if ev["Type"].as_str() == Some("HttpApi") {
                let p = &ev["Properties"];
                out.insert((
                    binary.clone(),
                    p["Method"].as_str().unwrap().to_uppercase(),
                    p["Path"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out
}

#[test]
fn the_gateway_routes_exactly_what_the_template_deploys() {
    let gateway: BTreeSet<_> = local_gateway::routes()
        .iter()
        .map(|r| (r.function.to_string(), r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(gateway, template_routes());
}

/// The binary of every function in template.yaml.
fn template_functions() -> BTreeSet<String> {
    let doc: Value =
        serde_yaml::from_str(&std::fs::read_to_string(repo().join("template.yaml")).unwrap())
            .unwrap();
    doc["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_function_folder_is_deployed_and_every_http_one_routed_to_the_handler_its_main_runs() {
    let folders: BTreeSet<String> = std::fs::read_dir(repo().join("functions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(folders, template_functions(), "functions/ and template.yaml differ");
    let routed: BTreeSet<String> =
        local_gateway::routes().iter().map(|r| r.function.to_string()).collect();
    let http: BTreeSet<String> = template_routes().into_iter().map(|(f, _, _)| f).collect();
    assert_eq!(http, routed, "the HTTP functions of template.yaml and the route table differ");
    for r in local_gateway::routes() {
        let main =
            std::fs::read_to_string(repo().join("functions").join(r.function).join("src/main.rs"))
                .unwrap();
        assert!(
            main.contains(&format!("booking_core::{}", r.handler_path)),
            "functions/{}/src/main.rs does not run {}",
            r.function,
            r.handler_path
        );
    }
}

#[test]
fn the_openapi_spec_documents_exactly_the_routes_served() {
    let text = std::fs::read_to_string(repo().join("docs/openapi.yaml")).unwrap();
    let doc: Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(doc["openapi"].as_str(), Some("3.1.0"));
    let mut spec = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for (method, _) in item.as_mapping().unwrap() {
            spec.insert((
                method.as_str().unwrap().to_uppercase(),
                path.as_str().unwrap().to_string(),
            ));
        }
    }
    let served: BTreeSet<_> = local_gateway::routes()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(spec, served);
    // Every $ref points at something that exists.
    for cap in text.split("$ref: \"#/").skip(1) {
        let pointer = format!("/{}", &cap[..cap.find('"').unwrap()]);
        let json: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        assert!(json.pointer(&pointer).is_some(), "dangling $ref {pointer}");
    }
}

/// Every `Type` resource of template.yaml.
fn resources(kind: &str) -> Vec<Value> {
    let doc: Value =
        serde_yaml::from_str(&std::fs::read_to_string(repo().join("template.yaml")).unwrap())
            .unwrap();
    doc["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"].as_str() == Some(kind))
        .cloned()
        .collect()
}

#[test]
fn each_consumer_function_reads_the_topics_the_gateway_polls_for_it() {
    for c in &booking_core::consumers::CONSUMERS {
        let f = resources("AWS::Serverless::Function")
            .into_iter()
            .find(|r| r["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(c.function))
            .unwrap_or_else(|| panic!("{} is not in template.yaml", c.function));
        let mut topics: Vec<String> = f["Properties"]["Events"]
            .as_mapping()
            .unwrap()
            .values()
            .filter(|e| e["Type"].as_str() == Some("MSK"))
            .flat_map(|e| {
                e["Properties"]["Topics"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_string())
            })
            .collect();
        topics.sort();
        let mut expected: Vec<String> = c.topics.iter().map(|t| t.to_string()).collect();
        expected.sort();
        assert_eq!(topics, expected, "the MSK mappings of {}", c.function);
        let main =
            std::fs::read_to_string(repo().join("functions").join(c.function).join("src/main.rs"))
                .unwrap();
        assert!(
            main.contains(&format!("serve_kafka(\"{}\")", c.function)),
            "functions/{}/src/main.rs",
            c.function
        );
    }
}

#[test]
fn the_gateway_plays_exactly_the_websocket_routes_the_template_deploys() {
    let doc: Value =
        serde_yaml::from_str(&std::fs::read_to_string(repo().join("template.yaml")).unwrap())
            .unwrap();
    let mut deployed = BTreeSet::new();
    for route in resources("AWS::ApiGatewayV2::Route") {
        // Route -> integration -> function resource -> its binary.
        let target = route["Properties"]["Target"]
            .as_str()
            .unwrap()
            .trim_start_matches("integrations/${")
            .trim_end_matches('}')
            .to_string();
        let uri = doc["Resources"][target.as_str()]["Properties"]["IntegrationUri"]
            .as_str()
            .unwrap()
            .to_string();
        let function = uri.split("${").nth(2).unwrap().split('.').next().unwrap().to_string();
        let binary = doc["Resources"][function.as_str()]["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap()
            .to_string();
        deployed.insert((route["Properties"]["RouteKey"].as_str().unwrap().to_string(), binary));
    }
    let played: BTreeSet<_> = local_gateway::websocket::ROUTES
        .iter()
        .map(|r| (r.key.to_string(), r.function.to_string()))
        .collect();
    assert_eq!(deployed, played);
    for r in &local_gateway::websocket::ROUTES {
        let main =
            std::fs::read_to_string(repo().join("functions").join(r.function).join("src/main.rs"))
                .unwrap();
        assert!(
            main.contains(&format!("booking_core::{}", r.handler_path)),
            "functions/{}/src/main.rs",
            r.function
        );
    }
}

/// No secret reaches a function as an environment value: not a literal, not a `{{resolve:...}}`
/// that CloudFormation would write into the function's configuration for anyone with
/// `lambda:GetFunctionConfiguration` to read. Secrets travel as ARNs the function reads itself.
#[test]
fn no_secret_is_an_environment_value_in_the_template() {
    let text = std::fs::read_to_string(repo().join("template.yaml")).unwrap();
    assert!(!text.contains("{{resolve:secretsmanager"), "a resolved secret in template.yaml");
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut envs = vec![&doc["Globals"]["Function"]["Environment"]["Variables"]];
    if let Some(resources) = doc["Resources"].as_mapping() {
        envs.extend(resources.values().map(|r| &r["Properties"]["Environment"]["Variables"]));
    }
    let forbidden = ["PAYMENT_WEBHOOK_SECRET", "DB_PASSWORD", "DB_USER", "LOCAL_JWT_SECRET"];
    let tagged = |v: &serde_yaml::Value| matches!(v, serde_yaml::Value::Tagged(_));
    for vars in envs.into_iter().filter_map(|v| v.as_mapping()) {
        for (key, value) in vars.iter().filter_map(|(k, v)| Some((k.as_str()?, v))) {
            // The one exception: the user IAM database auth connects as (a name, no secret;
            // the password is then a token the role signs), and only as that condition says.
            let iam_user = key == "DB_USER"
                && tagged(value)
                && serde_yaml::to_string(value).unwrap().contains("DbIamAuthOn");
            assert!(
                !forbidden.contains(&key) || iam_user,
                "{key} is set as an environment value in template.yaml"
            );
        }
    }
    let webhook =
        &doc["Resources"]["PaymentsWebhookFunction"]["Properties"]["Environment"]["Variables"];
    assert!(
        tagged(&webhook["PAYMENT_WEBHOOK_SECRET_ARN"]),
        "the webhook function reads its secret by ARN"
    );
    assert!(tagged(&doc["Globals"]["Function"]["Environment"]["Variables"]["DB_SECRET_ARN"]));
    assert_eq!(doc["Globals"]["Function"]["Environment"]["Variables"]["KAFKA_SECURITY"], "iam");
}
