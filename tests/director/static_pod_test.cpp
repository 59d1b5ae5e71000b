// `director static-pod lvscare`: the manifest is parsed back with yaml-cpp and checked field by field,
// and written files are replaced atomically.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <yaml-cpp/yaml.h>

#include "director/staticpod/atomic_file.hpp"
#include "director/staticpod/lvscare_pod.hpp"
#include "director/staticpod/yaml_emit.hpp"
#include "tests/director/temp_dir.hpp"

namespace fs = std::filesystem;
using director::staticpod::LvscarePod;

namespace {

LvscarePod sample() {
    LvscarePod pod;
    pod.vip = "10.103.97.2:6443";
    pod.masters = {"192.168.0.2:6443", "192.168.0.3:6443", "192.168.0.4:6443"};
    return pod;
}

YAML::Node round_trip(const LvscarePod& pod) {
    return YAML::Load(director::staticpod::to_yaml(director::staticpod::pod_manifest(pod)));
}

std::vector<std::string> strings(const YAML::Node& seq) {
    std::vector<std::string> out;
    for (const auto& n : seq) out.push_back(n.as<std::string>());
    return out;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

using director::testing::TempDir;

}  // namespace

TEST(StaticPodLvscare, ManifestIsAKubeSystemV1PodWithHostNetworkAndNodeCriticalPriority) {
    auto pod = round_trip(sample());
    EXPECT_EQ(pod["apiVersion"].as<std::string>(), "v1");
    EXPECT_EQ(pod["kind"].as<std::string>(), "Pod");
    EXPECT_EQ(pod["metadata"]["name"].as<std::string>(), "lvscare");
    EXPECT_EQ(pod["metadata"]["namespace"].as<std::string>(), "kube-system");
    EXPECT_EQ(pod["metadata"]["labels"]["component"].as<std::string>(), "lvscare");
    EXPECT_EQ(pod["metadata"]["labels"]["tier"].as<std::string>(), "control-plane");
    EXPECT_TRUE(pod["spec"]["hostNetwork"].as<bool>());
    EXPECT_EQ(pod["spec"]["priorityClassName"].as<std::string>(), "system-node-critical");
    ASSERT_EQ(pod["spec"]["containers"].size(), 1u);
}

TEST(StaticPodLvscare, ContainerIsPrivilegedWithLibModulesMountedReadOnly) {
    auto pod = round_trip(sample());
    auto c = pod["spec"]["containers"][0];
    EXPECT_EQ(c["name"].as<std::string>(), "lvscare");
    EXPECT_EQ(c["image"].as<std::string>(), "sealos.hub:5000/sealos/lvscare:latest");
    EXPECT_EQ(c["imagePullPolicy"].as<std::string>(), "IfNotPresent");
    EXPECT_TRUE(c["securityContext"]["privileged"].as<bool>());
    ASSERT_EQ(c["volumeMounts"].size(), 1u);
    EXPECT_EQ(c["volumeMounts"][0]["name"].as<std::string>(), "lib-modules");
    EXPECT_EQ(c["volumeMounts"][0]["mountPath"].as<std::string>(), "/lib/modules");
    EXPECT_TRUE(c["volumeMounts"][0]["readOnly"].as<bool>());
    auto volumes = pod["spec"]["volumes"];
    ASSERT_EQ(volumes.size(), 1u);
    EXPECT_EQ(volumes[0]["name"].as<std::string>(), "lib-modules");
    EXPECT_EQ(volumes[0]["hostPath"]["path"].as<std::string>(), "/lib/modules");
}

TEST(StaticPodLvscare, CommandIsTheCareCommandLineWithEveryMasterAndTheOptionsAppended) {
    auto spec = sample();
    spec.options = "  --health-status 401\t--logger DEBG ";
    auto c = round_trip(spec)["spec"]["containers"][0];
    EXPECT_EQ(strings(c["command"]),
              (std::vector<std::string>{"/usr/bin/lvscare", "care", "--vs", "10.103.97.2:6443", "--rs",
                                        "192.168.0.2:6443", "--rs", "192.168.0.3:6443", "--rs", "192.168.0.4:6443",
                                        "--interval", "5", "--mode", "route", "--health-status", "401", "--logger",
                                        "DEBG"}));
    EXPECT_FALSE(c["args"]);
}

TEST(StaticPodLvscare, NumericLookingArgumentsStayQuotedStringsForKubelet) {
    auto spec = sample();
    spec.options = "--health-status 401 --run-once=true";
    auto text = director::staticpod::to_yaml(director::staticpod::pod_manifest(spec));
    // A plain 5 or 401 would decode as a number and kubelet would reject the []string command.
    EXPECT_NE(text.find("- \"5\""), std::string::npos) << text;
    EXPECT_NE(text.find("- \"401\""), std::string::npos) << text;
    EXPECT_NE(text.find("hostNetwork: true"), std::string::npos) << text;
    auto command = YAML::Load(text)["spec"]["containers"][0]["command"];
    for (const auto& word : command) {
        if (director::staticpod::reads_as_non_string(word.Scalar())) {
            EXPECT_EQ(word.Tag(), "!") << word.Scalar() << " emitted plain";
        }
    }
}

TEST(StaticPodLvscare, ModeAndIntervalInOptionsReplaceTheDefaults) {
    auto spec = sample();
    spec.options = "--mode link --interval=2s";
    auto cmd = strings(round_trip(spec)["spec"]["containers"][0]["command"]);
    EXPECT_EQ(std::count(cmd.begin(), cmd.end(), "--mode"), 1);
    EXPECT_EQ(std::count(cmd.begin(), cmd.end(), "route"), 0);
    EXPECT_EQ(std::count(cmd.begin(), cmd.end(), "--interval"), 0);
    EXPECT_EQ(cmd.back(), "--interval=2s");
}

TEST(StaticPodLvscare, NameAndImageFlagsAreUsed) {
    auto spec = sample();
    spec.name = "kube-lvscare";
    spec.image = "registry.local/director:v1";
    auto pod = round_trip(spec);
    EXPECT_EQ(pod["metadata"]["name"].as<std::string>(), "kube-lvscare");
    EXPECT_EQ(pod["spec"]["containers"][0]["name"].as<std::string>(), "kube-lvscare");
    EXPECT_EQ(pod["spec"]["containers"][0]["image"].as<std::string>(), "registry.local/director:v1");
}

TEST(StaticPodLvscare, BadFlagsAreRejectedNamingTheFlag) {
    auto expect_error = [](LvscarePod spec, const std::string& flag) {
        try {
            director::staticpod::pod_manifest(spec);
            ADD_FAILURE() << "accepted a bad " << flag;
        } catch (const std::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()).rfind(flag, 0), 0u) << e.what();
        }
    };
    auto s = sample();
    s.vip = "10.103.97.2";
    expect_error(s, "--vip");
    s = sample();
    s.vip = "10.103.97.2:0";
    expect_error(s, "--vip");
    s = sample();
    s.masters = {};
    expect_error(s, "--masters");
    s = sample();
    s.masters = {"192.168.0.2:6443", "192.168.0.300:6443"};
    expect_error(s, "--masters");
    s = sample();
    s.masters = {"192.168.0.2:6443", "192.168.0.2:6443"};
    expect_error(s, "--masters");
    s = sample();
    s.name = "Bad_Name";
    expect_error(s, "--name");
    s = sample();
    s.image = "";
    expect_error(s, "--image");
    s = sample();
    s.options = "--rs 1.2.3.4:6443";
    expect_error(s, "--options");
}

TEST(StaticPodLvscare, IPv6EndpointsInBracketsAreAccepted) {
    auto spec = sample();
    spec.vip = "[fd00::1]:6443";
    spec.masters = {"[fd00::2]:6443"};
    auto cmd = strings(round_trip(spec)["spec"]["containers"][0]["command"]);
    EXPECT_EQ(cmd[3], "[fd00::1]:6443");
    EXPECT_EQ(cmd[5], "[fd00::2]:6443");
}

TEST(StaticPodLvscare, WriteCreatesNameDotYamlAndRerunWithOtherMastersReplacesIt) {
    TempDir dir;
    auto manifests = dir.path() / "etc/kubernetes/manifests";  // created on demand
    auto spec = sample();
    auto written = director::staticpod::write_manifest(spec, manifests);
    EXPECT_EQ(written, manifests / "lvscare.yaml");
    auto first = YAML::LoadFile(written.string());
    EXPECT_EQ(strings(first["spec"]["containers"][0]["command"])[5], "192.168.0.2:6443");
    struct stat before {};
    ASSERT_EQ(stat(written.c_str(), &before), 0);
    EXPECT_EQ(before.st_mode & 0777, 0644u);

    spec.masters = {"192.168.0.9:6443"};
    director::staticpod::write_manifest(spec, manifests);
    auto second = YAML::LoadFile(written.string());
    auto cmd = strings(second["spec"]["containers"][0]["command"]);
    EXPECT_EQ(std::count(cmd.begin(), cmd.end(), "--rs"), 1);
    EXPECT_EQ(cmd[5], "192.168.0.9:6443");
    EXPECT_EQ(slurp(written), director::staticpod::to_yaml(director::staticpod::pod_manifest(spec)));

    // Replaced by rename, not rewritten in place: a reader holding the old file keeps a whole copy.
    struct stat after {};
    ASSERT_EQ(stat(written.c_str(), &after), 0);
    EXPECT_NE(before.st_ino, after.st_ino);
    // Nothing else is left in the directory kubelet watches.
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(manifests)) names.push_back(e.path().filename().string());
    EXPECT_EQ(names, std::vector<std::string>{"lvscare.yaml"});
}

TEST(StaticPodLvscare, InvalidSpecWritesNothing) {
    TempDir dir;
    auto spec = sample();
    spec.masters = {};
    EXPECT_THROW(director::staticpod::write_manifest(spec, dir.path()), std::invalid_argument);
    EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(AtomicFile, FailedReplaceKeepsTheOldTargetAndLeavesNoTempFile) {
    TempDir dir;
    // A directory in the way makes the final rename fail after the temp file was fully written.
    auto target = dir.path() / "busy";
    fs::create_directories(target / "child");
    EXPECT_THROW(director::staticpod::write_file_atomically(target, "new\n"), std::runtime_error);
    EXPECT_TRUE(fs::is_directory(target / "child"));
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir.path())) names.push_back(e.path().filename().string());
    EXPECT_EQ(names, std::vector<std::string>{"busy"});
}
