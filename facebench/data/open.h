#pragma once
// Opening a dataset by format name, as the command line does:
//
//   format         PATH is                                   reader
//   vggface2       the release root (train/, test/, lists)   IdentityFolderDataset on <PATH>/<split>
//   folders        any folder-per-identity tree (MS1M dumps)   IdentityFolderDataset
//   orl            the ORL root (s1..s40)                      open_orl
//   lfw            folder holding pairs.txt and lfw/           LfwPairs
//   300w           the 300W root                               W300Dataset (split: train|common|challenging|full|test|all)
//   wflw           the WFLW root                               WflwDataset (split: train|test|<list file>)
//   aflw19         folder with AFLWinfo_release.mat, data/flickr/   Aflw19Dataset (split: train|test|frontal|all)
//   disfa          the DISFA root (ActionUnit_Labels/)         DisfaDataset (--images, --frame-pattern)
//   affectnet      the AffectNet root, or one CSV file         AffectNetDataset (split: train|val;
//                                                              a CSV's images: --images or <csv dir>/images)
//   lapa           the LaPa root                               ParsingDataset (split: train|val|test)
//   celebamask-hq  the CelebAMask-HQ root                      ParsingDataset::celebamask_hq
//   aflw2000-3d    folder of image<N>.jpg + .mat               Aflw2000Dataset
//   300w-lp        the 300W-LP root (AFW, HELEN, ... _Flip)     Aflw2000Dataset::w300lp (split: all|noflip|flip|<folder>)
//   cofw           folder with COFW_{train,test}_color.mat,   CofwDataset (split: train|test; HDF5)
//                  or one of the files
//   h5             an image store (.h5) or the folder holding  H5ImagesDataset (HDF5)
//                  vggface2_train.h5
//   ijbb, ijbc     the IJBB / IJBC folder (meta/, loose_crop/)  IjbDataset (--images for the crops)
//   synth          a `facebench synth` output folder           IdentityFolderDataset over images/ (train_list.txt)
#include <string>
#include <vector>

#include "facebench/data/dataset.h"

namespace fb::data {

struct OpenOptions {
  std::string format, path, split;  // split "" = the format's default
  std::string images;               // image folder when it is not the default (disfa, aflw2000-3d)
  std::string frame_pattern = "{subject}/{index}.png";  // disfa
  int classes = 8;                  // affectnet
  double max_angle = 0;             // aflw2000-3d (99 for the head-pose protocol)
};

const std::vector<std::string>& dataset_formats();
// Throws fb::Error for an unknown format or a missing root; annotation
// problems go to `log` under its policy.
DatasetPtr open_dataset(const OpenOptions& o, ProblemLog& log);

}  // namespace fb::data
