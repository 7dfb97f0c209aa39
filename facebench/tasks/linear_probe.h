#pragma once
// Linear probe: how linearly separable a frozen backbone makes a labelled set.
// Features of every image (evaluation mode, no augmentation) are pooled by the
// backbone, standardised with the training split's statistics, and a linear
// softmax classifier is trained on them; accuracy is reported on both splits.
#include <cstdint>
#include <functional>

#include "facebench/data/dataset.h"
#include "nn/resnet.h"

namespace fb::tasks {

struct ProbeOptions {
  int64_t image_size = 64;   // images are resized to this before the backbone
  int64_t epochs = 100;      // full-batch AdamW steps on the features
  double lr = 1e-2, weight_decay = 1e-4;
  int64_t batch = 64;        // feature extraction batch
};

struct ProbeResult {
  double train_accuracy = 0, test_accuracy = 0;
  int64_t train_images = 0, test_images = 0, classes = 0;
};

// Samples for which is_test(i) holds form the test set; all others train.
ProbeResult linear_probe(nn::ResNet& backbone, const data::Dataset& dataset,
                         const std::function<bool(int64_t)>& is_test, const ProbeOptions& o = {});

}  // namespace fb::tasks
